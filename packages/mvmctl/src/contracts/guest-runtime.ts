// /etc/mvm/runtime.json (docs/architecture.md, "Guest layout"): the one file the guest agent reads
// to know what it may run. The image stage writes it (image/guest/runtime-json.ts) and validates it
// here before baking; image.json repeats its entrypoints so the host can name them in hints.
// Imports zod only (never "@mvm/ir"): image-manifest.ts reuses these schemas on the runtime path.
import { z } from "zod";

/**
 * The format the C agent accepts: agent/src/runtime.c refuses any runtime.json whose `version` is
 * not 1. Keep the two in step: a change here that the agent must see means a new version there too.
 */
export const RUNTIME_CONFIG_VERSION = 1;

/** Where the agent finds the file in the guest. */
export const RUNTIME_CONFIG_PATH = "/etc/mvm/runtime.json";

/** A function entrypoint's parameter, as compile read it from the source (compile/signature.ts). */
export const Param = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(["normal", "keyword_only", "var_positional", "var_keyword"]),
  required: z.boolean(),
});
export type Param = z.output<typeof Param>;

const StringMap = z.record(z.string(), z.string());

export const RuntimeEntrypoint = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("command"),
    command: z.array(z.string()).min(1),
    working_dir: z.string(),
    env: StringMap,
  }),
  z.strictObject({
    kind: z.literal("function"),
    language: z.string(),
    module: z.string().min(1),
    function: z.string().min(1),
    working_dir: z.string(),
    env: StringMap,
    params: z.array(Param),
  }),
]);
export type RuntimeEntrypoint = z.output<typeof RuntimeEntrypoint>;

/** The phases the guest runs; before_build ran during the build and never reaches the guest. */
export const GUEST_HOOK_PHASES = ["before_start", "after_start", "before_stop"] as const;

export const RuntimeConfig = z.strictObject({
  version: z.literal(RUNTIME_CONFIG_VERSION),
  workload_id: z.string(),
  dev: z.boolean(),
  primary: z.string(),
  env: StringMap,
  entrypoints: z.record(z.string(), RuntimeEntrypoint),
  hooks: z.array(z.enum(GUEST_HOOK_PHASES)),
  ready: z.strictObject({ poll_ms: z.number().int().positive(), timeout_ms: z.number().int().min(0) }),
});
export type RuntimeJson = z.output<typeof RuntimeConfig>;
