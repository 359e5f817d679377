// Shapes the build stage reads (launch.json, per docs/architecture.md) and writes (image.json).
// launch.json is produced by compile; build only reads the keys it needs, loosely typed, so that
// a field added later by compile does not break older builds.

export type { Reporter } from "../lib/progress.js";

import type { Reporter } from "../lib/progress.js";

export type HookCmd = { kind: "shell"; line: string } | { kind: "argv"; argv: string[] };
export type HookPhase = "before_build" | "before_start" | "after_start" | "before_stop";
export const HOOK_PHASES: HookPhase[] = ["before_build", "before_start", "after_start", "before_stop"];

export interface Param {
  name: string;
  kind: "normal" | "keyword_only" | "var_positional" | "var_keyword";
  required: boolean;
}

export type IrEntrypoint =
  | { kind: "command"; command: string[]; working_dir?: string; env?: Record<string, unknown> }
  | {
      kind: "function";
      module: string;
      function: string;
      language: string;
      primary?: boolean;
      format?: string;
      working_dir?: string;
      env?: Record<string, unknown>;
    };

export type IrImage =
  | { kind: "nix_packages"; packages: string[] }
  | { kind: "oci_base"; reference: string; digest: string };

export interface LaunchJson {
  artifact_format_version: string;
  ir_hash: string;
  workload_id: string;
  app: string;
  image: IrImage;
  resources: { cpu_cores: number; memory_mb: number; rootfs_size_mb: number };
  entrypoint: IrEntrypoint;
  entrypoints: IrEntrypoint[];
  env: Record<string, string>;
  network: unknown;
  hooks?: Partial<Record<HookPhase, HookCmd[]>>;
  files?: { path: string; bytes_b64: string; mode?: string }[];
  signatures?: Record<string, { params: Param[] }>;
  dependencies?: { kind: "python" | "node" | "none"; lockfile?: string; tool?: string };
  threat_tier?: string;
  [key: string]: unknown;
}

export interface Resolution {
  requested: string;
  provided: string;
  version: string;
  substituted: boolean;
}

export interface ImageJson {
  image_format_version: 1;
  digest: string;
  inputs_hash: string;
  ir_hash: string;
  workload_id: string;
  app: string;
  backend: "debian" | "nix";
  kernel: { version: string; package: string; sha256: string };
  files: Record<string, string>;
  packages: { name: string; version: string }[];
  resolution: Resolution[];
  resources: LaunchJson["resources"];
  network: unknown;
  entrypoints: Record<string, unknown>;
  primary: string;
  dev: boolean;
  built_at: string;
  build_ms: number;
  sizes: Record<string, number>;
}

export interface BuildOptions {
  /** A compiled directory or a .tgz of one. */
  input: string;
  /** $MVM_HOME. */
  home: string;
  backend?: "debian" | "nix";
  /** Refuse package version substitutions. */
  strict?: boolean;
  /** Rebuild even when the store holds an image for these inputs. */
  force?: boolean;
  /** A kernel .deb or vmlinuz to use instead of the pinned one. */
  kernel?: string;
  /** A production image: the agent refuses `exec` (see runtime-json.ts). */
  production?: boolean;
  reporter: Reporter;
}

export interface BuildResult {
  digest: string;
  dir: string;
  cached: boolean;
  image: ImageJson;
  warnings: string[];
}
