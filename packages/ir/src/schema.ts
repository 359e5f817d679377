// The Workload IR as one TypeScript definition (zod). Types, runtime validation, input defaults and
// the checked-in JSON Schema (schema/workload.schema.json) all come from here.
// Shape rules only; rules that relate fields to each other live in ./rules.ts.
import { z } from "zod";
import type { ErrorCode } from "./catalog/index.js";
import { DEFAULTS, ENUMS, HOOK_PHASES, ID_SOURCE } from "./declare/tables.js";

export { HOOK_PHASES };

export const ID_PATTERN = new RegExp(ID_SOURCE);

/** Marks a zod issue so validation maps it to a specific code instead of E_MALFORMED_MANIFEST. */
const coded = (code: ErrorCode, message: string) => ({ params: { mvmCode: code }, message });

export const Id = z
  .string()
  .refine((s) => ID_PATTERN.test(s), coded("E_INVALID_ID", `must match ${ID_SOURCE}`));

const U32 = z.number().int().min(0).max(0xffffffff);
const Port = z.number().int().min(0).max(0xffffffff);

export const LocalPathSource = z.strictObject({
  kind: z.literal("local_path"),
  path: z.string(),
  include: z.array(z.string()).default([...DEFAULTS.local_path.include]),
  exclude: z.array(z.string()).default([...DEFAULTS.local_path.exclude]),
});
export const NixDerivationSource = z.strictObject({ kind: z.literal("nix_derivation"), expr: z.string() });
export const OciImageSource = z.strictObject({
  kind: z.literal("oci_image"),
  reference: z.string(),
  digest: z.string(),
});
export const Source = z.discriminatedUnion("kind", [LocalPathSource, NixDerivationSource, OciImageSource]);

export const NixPackagesImage = z.strictObject({
  kind: z.literal("nix_packages"),
  packages: z.array(z.string()),
});
export const OciBaseImage = z.strictObject({
  kind: z.literal("oci_base"),
  reference: z.string(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be a sha256:<64 hex> digest"),
});
export const Image = z.discriminatedUnion("kind", [NixPackagesImage, OciBaseImage]);

const StringMap = z.record(z.string(), z.string());

export const CommandEntrypoint = z.strictObject({
  kind: z.literal("command"),
  command: z.array(z.string()).min(1, "a command needs at least argv[0]"),
  working_dir: z.string().default(DEFAULTS.entrypoint.working_dir),
  env: StringMap.default({}),
});
export const FunctionEntrypoint = z.strictObject({
  kind: z.literal("function"),
  // A plain string so that an unknown language gets its own code (E_UNSUPPORTED_LANGUAGE).
  language: z.string(),
  module: z.string().min(1),
  function: z.string().min(1),
  format: z.enum(ENUMS.entrypoint_format).default(DEFAULTS.entrypoint.format),
  working_dir: z.string().default(DEFAULTS.entrypoint.working_dir),
  env: StringMap.default({}),
  primary: z.boolean().default(DEFAULTS.entrypoint.primary),
  args_schema: z.record(z.string(), z.unknown()).optional(),
  return_schema: z.record(z.string(), z.unknown()).optional(),
  extra_imports: z.array(z.string()).optional(),
  concurrency: U32.optional(),
});
export const Entrypoint = z.discriminatedUnion("kind", [CommandEntrypoint, FunctionEntrypoint]);

export const SecretMount = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("env"), var: z.string() }),
  z.strictObject({ kind: z.literal("file"), path: z.string() }),
]);
export const SecretRef = z.strictObject({
  name: z.string().min(1),
  mount: SecretMount,
  auth_type: z.enum(ENUMS.secret_type).default(DEFAULTS.secret_type),
  allowed_hosts: z.array(z.string()).default([]),
  sigv4: z
    .strictObject({ access_key_id: z.string(), region: z.string(), service: z.string() })
    .nullable()
    .default(null),
});
export const EnvValue = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("literal"), value: z.string() }),
  z.strictObject({ kind: z.literal("secret_ref"), ref: SecretRef }),
]);

export const Dependencies = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("python"),
    lockfile: z.string().min(1),
    tool: z.enum(ENUMS.python_deps_tool).default(DEFAULTS.python_deps_tool),
  }),
  z.strictObject({
    kind: z.literal("node"),
    lockfile: z.string().min(1),
    tool: z.enum(ENUMS.node_deps_tool).default(DEFAULTS.node_deps_tool),
  }),
  z.strictObject({ kind: z.literal("none") }),
]);

export const HookCmd = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("shell"), line: z.string().min(1) }),
  z.strictObject({ kind: z.literal("argv"), argv: z.array(z.string()).min(1) }),
]);
export type HookPhase = (typeof HOOK_PHASES)[number];
export const Hooks = z.strictObject({
  before_build: z.array(HookCmd).optional(),
  before_start: z.array(HookCmd).optional(),
  after_start: z.array(HookCmd).optional(),
  before_stop: z.array(HookCmd).optional(),
});

export const PortForward = z.strictObject({
  mapping_id: z.string(),
  proto: z.enum(ENUMS.port_proto).default(DEFAULTS.port_forward.proto),
  host_addr: z.string().default(DEFAULTS.port_forward.host_addr),
  host: Port,
  guest_addr: z.string().default(DEFAULTS.port_forward.guest_addr),
  guest: Port,
  transform: z.enum(ENUMS.port_transform).default(DEFAULTS.port_forward.transform),
  tls_secret: z.string().optional(),
});
export const HostPort = z.strictObject({ host: z.string(), port: Port });
export const Dns = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("none") }),
  z.strictObject({ kind: z.literal("system") }),
  z.strictObject({ kind: z.literal("resolver"), host: z.string(), port: Port.default(DEFAULTS.dns_port) }),
]);
export const Network = z.strictObject({
  mode: z.enum(ENUMS.ir_network_mode),
  ports: z.array(PortForward).default([]),
  egress: z.strictObject({ allowlist: z.array(HostPort) }).optional(),
  /**
   * Build-time egress: what the builder VM (before_build hooks, npm install scripts) may reach,
   * through a per-build proxy with exactly this allowlist. Independent of `mode` (which is the
   * runtime's); absent means the builder has no NIC.
   */
  build_egress: z.strictObject({ allowlist: z.array(HostPort) }).optional(),
  peers: z.array(Id).optional(),
  dns: Dns.optional(),
});

export const Resources = z.strictObject({
  cpu_cores: U32.default(DEFAULTS.resources.cpu_cores),
  memory_mb: U32.default(DEFAULTS.resources.memory_mb),
  rootfs_size_mb: U32.default(DEFAULTS.resources.rootfs_size_mb),
});

export const Mount = z.strictObject({
  target: z.string().min(1),
  source: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("volume"), name: Id }),
    z.strictObject({ kind: z.literal("host_path"), path: z.string().min(1) }),
    z.strictObject({ kind: z.literal("tmpfs"), size_mb: U32 }),
  ]),
  mode: z.enum(ENUMS.mount_mode).default(DEFAULTS.mount_mode),
});
export const Volume = z.strictObject({ name: Id, size_mb: U32, persist: z.boolean().default(false) });

/** An addon attached to an app. Addons contribute hooks that run before the app's own. */
export const AddonUse = z.strictObject({ name: Id, hooks: Hooks.default({}) });

export const FileEntry = z.strictObject({
  path: z.string().min(1),
  bytes_b64: z.string(),
  mode: z
    .string()
    .regex(/^0[0-7]{3}$/, 'must be an octal mode string like "0644"')
    .optional(),
});

export const App = z.strictObject({
  name: Id,
  source: Source,
  image: Image,
  entrypoints: z.array(Entrypoint),
  env: z.record(z.string(), EnvValue).default({}),
  mounts: z.array(Mount).default([]),
  network: Network.nullable().default(null),
  resources: Resources.default({ ...DEFAULTS.resources }),
  dependencies: Dependencies.nullable().default(null),
  threat_tier: z.enum(ENUMS.threat_tier).default(DEFAULTS.threat_tier),
  addons: z.array(AddonUse).default([]),
  hooks: Hooks.default({}),
  files: z.array(FileEntry).default([]),
});

export const Workload = z.strictObject({
  schema_version: z.string(),
  id: Id,
  apps: z.array(App),
  volumes: z.array(Volume).default([]),
  extensions: z.record(z.string(), z.unknown()).default({}),
});

export type Workload = z.output<typeof Workload>;
export type WorkloadInput = z.input<typeof Workload>;
export type App = z.output<typeof App>;
export type Source = z.output<typeof Source>;
export type LocalPathSource = z.output<typeof LocalPathSource>;
export type Image = z.output<typeof Image>;
export type Entrypoint = z.output<typeof Entrypoint>;
export type FunctionEntrypoint = z.output<typeof FunctionEntrypoint>;
export type CommandEntrypoint = z.output<typeof CommandEntrypoint>;
export type EnvValue = z.output<typeof EnvValue>;
export type SecretRef = z.output<typeof SecretRef>;
export type Dependencies = z.output<typeof Dependencies>;
export type HookCmd = z.output<typeof HookCmd>;
export type Hooks = z.output<typeof Hooks>;
export type Network = z.output<typeof Network>;
export type PortForward = z.output<typeof PortForward>;
export type Resources = z.output<typeof Resources>;
export type Mount = z.output<typeof Mount>;
export type Volume = z.output<typeof Volume>;
export type AddonUse = z.output<typeof AddonUse>;
export type FileEntry = z.output<typeof FileEntry>;

export const SCHEMA_VERSION = "0.1";
export const SUPPORTED_MAJOR = 0;
export const MAX_MINOR = 2;
