// The image stage's own options and result. The files it reads and writes have their contracts in
// ../contracts/: launch.json (compiled-dir.ts), image.json (image-manifest.ts) and
// /etc/mvm/runtime.json (guest-runtime.ts).

export type { Reporter } from "../lib/progress.js";

import type { BuilderVm } from "../contracts/builder-vm.js";
import type { ImageManifest } from "../contracts/image-manifest.js";
import type { Reporter } from "../lib/progress.js";

export type { Resolution } from "../contracts/image-manifest.js";

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
  /**
   * Runs build-time code (before_build hooks, npm lifecycle scripts) in a builder microVM. The
   * CLI passes the runtime's (runtime/builder-vm.ts); a workload with build-time code fails
   * without one (E_BUILDER_FAILED), one without never needs it.
   */
  builder?: BuilderVm;
  /** The builder VM's time limit (boot and every step), ms; default 30 min. */
  timeoutMs?: number;
  reporter: Reporter;
}

export interface BuildResult {
  digest: string;
  dir: string;
  cached: boolean;
  image: ImageManifest;
  warnings: string[];
}
