// The compile output (docs/architecture.md, "Compile output"): a directory with workload.json,
// launch.json, flake.nix and src/. compile/launch.ts writes launch.json; the image stage reads it
// with readCompiledDir. The IR parts are the IR's own zod schemas: launch.json holds them in the
// serialized form (@mvm/ir serialize.ts), which is the schemas' output form (defaults filled in).
// This module may load "@mvm/ir": compile and image load the IR anyway. The runtime never imports it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  App,
  Dependencies,
  Entrypoint,
  FileEntry,
  Hooks,
  Image,
  Mount,
  MvmError,
  Network,
  Resources,
} from "@mvm/ir";
import { z } from "zod";
import { Param } from "./guest-runtime.js";
import { SecretBindings } from "./secret-refs.js";
import { describeIssues, field, readJson } from "./validate.js";

/**
 * "major.minor". A reader takes the same major and any minor up to its own (older compiles lack
 * only optional keys); a newer minor or another major is refused with E_FORMAT_VERSION.
 */
export const ARTIFACT_FORMAT_VERSION = "1.2"; // 1.2: network.build_egress (optional)

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

export const LaunchJson = z.strictObject({
  artifact_format_version: z.string(),
  /** sha256 of the canonical IR with every secret_ref env entry removed. */
  ir_hash: Hex64,
  ir_schema_version: z.string(),
  toolchain_version: z.string(),
  workload_id: z.string().min(1),
  app: z.string().min(1),
  image: Image,
  resources: Resources,
  /** The primary entrypoint, and its runtime name (a function's name, or "main"). */
  entrypoint: Entrypoint,
  primary: z.string().min(1),
  entrypoints: z.array(Entrypoint).min(1),
  /** Literal env only. */
  env: z.record(z.string(), z.string()),
  secrets: SecretBindings,
  mounts: z.array(Mount),
  network: Network.nullable(),
  source: z.strictObject({
    kind: z.literal("local_path"),
    subdir: z.literal("src"),
    file_count: z.number().int().min(0),
    tree_hash: Hex64,
  }),
  threat_tier: App.shape.threat_tier.unwrap(),
  addons: z.array(z.string()),
  /** Addon hooks first, in attachment order, then the app's; empty phases omitted. */
  hooks: Hooks,
  files: z.array(FileEntry),
  /** Function -> its parameters; null when compile found the function but could not read them. */
  signatures: z.record(z.string(), z.strictObject({ params: z.array(Param).nullable() })),
  /** Omitted when the app declares none. */
  dependencies: Dependencies.optional(),
  flake_inputs: z.strictObject({ mvm: z.string(), nixpkgs: z.string() }),
});
/** launch.json as read (and as compile's buildLaunch must write it). */
export type LaunchJson = z.output<typeof LaunchJson>;

export const COMPILED_DIR_ENTRIES = ["workload.json", "launch.json", "src"] as const;

function versionParts(v: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether this mvmctl reads a launch.json of format `v` (same major, minor up to ours). */
export function readsArtifactVersion(v: unknown): boolean {
  const ours = versionParts(ARTIFACT_FORMAT_VERSION)!;
  const theirs = typeof v === "string" ? versionParts(v) : undefined;
  return theirs !== undefined && theirs[0] === ours[0] && theirs[1] <= ours[1];
}

/**
 * Checks that `dir` is a compiled directory and returns its validated launch.json. `shown` names
 * the input in messages (the path or archive the user gave).
 */
export async function readCompiledDir(dir: string, shown = dir): Promise<LaunchJson> {
  for (const f of COMPILED_DIR_ENTRIES) {
    if (!existsSync(join(dir, f))) {
      throw new MvmError("E_BUILD_INPUT", `${shown} has no ${f}; it is not a compiled directory`);
    }
  }
  const read = await readJson(join(dir, "launch.json"));
  if (!read.ok) throw new MvmError("E_BUILD_INPUT", `${shown}/launch.json ${read.reason}`);
  const version = field(read.value, "artifact_format_version");
  if (!readsArtifactVersion(version)) {
    throw new MvmError(
      "E_FORMAT_VERSION",
      `${shown}/launch.json has artifact format ${JSON.stringify(version ?? null)}; this mvmctl reads ${ARTIFACT_FORMAT_VERSION.split(".")[0]}.0 to ${ARTIFACT_FORMAT_VERSION}`,
      { hint: "compile the declaration again with this mvmctl (`mvmctl compile`), then build that output" },
    );
  }
  const parsed = LaunchJson.safeParse(read.value);
  if (!parsed.success) {
    throw new MvmError(
      "E_BUILD_INPUT",
      `${shown}/launch.json does not match the compile output format: ${describeIssues(parsed.error)}`,
      {
        hint: "compile the declaration again with this mvmctl (`mvmctl compile`); do not edit launch.json by hand",
      },
    );
  }
  return parsed.data;
}
