// state.json (docs/architecture.md, "Instances"): the only record of an instance, written by `up`
// (and `down` while stopping), read by every runtime verb. Liveness (is the VM really running?)
// is runtime/instances.ts's business; this module owns the file's shape.
// Imports zod only (never "@mvm/ir"): `ps`, `invoke`, `exec` read it and must start fast.
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { z } from "zod";
import { writeFileAtomic } from "../lib/atomic-write.js";
import { describeIssues, field, mustMatch, readJson } from "./validate.js";

/** Bump on any change an older mvmctl would misread; an instance of another version is corrupt to it. */
export const STATE_VERSION = 1;

export const STATE_FILE = "state.json";

export const InstanceStatus = z.enum(["starting", "running", "stopping", "failed"]);
export type InstanceStatus = z.output<typeof InstanceStatus>;

export const InstanceNetwork = z.strictObject({
  mode: z.enum(["none", "bridge"]),
  /** The declared egress allowlist the proxy enforces (bridge). */
  egress: z.array(z.strictObject({ host: z.string(), port: z.number().int().min(0) })),
  /** Bridge: the egress proxy process, its config (in its argv: the liveness marker) and its log. */
  proxy_pid: z.number().int().positive().optional(),
  proxy_config: z.string().optional(),
  egress_log: z.string().optional(),
  /**
   * Bridge: the inbound port forwards as bound (`host` is the real port, also when 0 was asked),
   * shown by up/ps as `host_addr:host -> guest`; absent when none are declared.
   */
  ports: z
    .array(
      z.strictObject({
        mapping_id: z.string(),
        proto: z.literal("tcp"),
        host_addr: z.string(),
        host: z.number().int().min(1).max(65535),
        guest: z.number().int().min(1).max(65535),
        transform: z.literal("opaque"),
      }),
    )
    .optional(),
  /** With ports: the forwarder process, its config (in its argv: the liveness marker) and its inbound log. */
  forwarder_pid: z.number().int().positive().optional(),
  forwarder_config: z.string().optional(),
  inbound_log: z.string().optional(),
});
export type InstanceNetwork = z.output<typeof InstanceNetwork>;

export const InstanceFetch = z.strictObject({
  broker_pid: z.number().int().positive(),
  config: z.string(),
  log: z.string(),
});
export type InstanceFetch = z.output<typeof InstanceFetch>;

export const InstanceState = z.strictObject({
  state_version: z.literal(STATE_VERSION),
  name: z.string().min(1),
  workload_id: z.string(),
  app: z.string(),
  digest: z.string(),
  image_dir: z.string(),
  pid: z.number().int(),
  accel: z.enum(["kvm", "tcg"]),
  vmm: z.literal("qemu"),
  cpus: z.number().int().positive(),
  memory_mb: z.number().int().positive(),
  status: InstanceStatus,
  started_at: z.string(),
  boot_ms: z.number().nullable(),
  agent_socket: z.string(),
  qmp_socket: z.string(),
  console_log: z.string(),
  /** Why the instance failed, when it did (boot error, hook failure, VM exit). */
  error: z.string().optional(),
  /** Absent only in instances started before networking existed: read as mode "none". */
  network: InstanceNetwork.optional(),
  /** The fetch broker (mvm.web_fetch / web_search): its pid, config (in its argv) and audit log. */
  fetch: InstanceFetch.optional(),
  /**
   * Snapshots (docs/cli/snapshot.md): `key` identifies this machine's QEMU command line, `restored`
   * says whether the guest was resumed from snapshot `id` (else it booted cold; `id` is then the
   * ready snapshot this boot saved, if it saved one). Absent in instances started before snapshots.
   */
  snapshot: z.strictObject({ key: z.string(), restored: z.boolean(), id: z.string().optional() }).optional(),
});
export type InstanceState = z.output<typeof InstanceState>;
/** What a writer supplies: the version is stamped by writeInstanceState. */
export type InstanceStateFields = Omit<InstanceState, "state_version">;

function corrupt(dir: string, why: string, cause?: unknown): MvmError {
  const name = basename(dir);
  return new MvmError("E_INSTANCE_STATE_CORRUPT", `instance "${name}" has an unreadable state.json: ${why}`, {
    hint: `remove it with \`mvmctl down ${name}\``,
    ...(cause ? { cause } : {}),
  });
}

/**
 * The state in instance dir `dir`, or undefined when there is no state.json (an `up` that died
 * before writing it). Unparsable, unversioned, another version or off-schema: E_INSTANCE_STATE_CORRUPT.
 */
export async function readInstanceState(dir: string): Promise<InstanceState | undefined> {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const read = await readJson(file);
  if (!read.ok) throw corrupt(dir, read.reason);
  const version = field(read.value, "state_version");
  if (version !== STATE_VERSION) {
    throw corrupt(
      dir,
      version === undefined
        ? `it has no state_version (this mvmctl reads ${STATE_VERSION})`
        : `state_version ${JSON.stringify(version)} (this mvmctl reads ${STATE_VERSION})`,
    );
  }
  const parsed = InstanceState.safeParse(read.value);
  if (!parsed.success) throw corrupt(dir, describeIssues(parsed.error), parsed.error);
  return parsed.data;
}

/** Writes state.json whole (temp + rename, mode 0600), stamped with STATE_VERSION. */
export async function writeInstanceState(dir: string, fields: InstanceStateFields): Promise<void> {
  const state: InstanceState = { state_version: STATE_VERSION, ...fields };
  // A spread of a state read back carries the version too; the stamp above is put first, so pin it.
  state.state_version = STATE_VERSION;
  mustMatch(InstanceState, state, "state.json");
  await writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}
