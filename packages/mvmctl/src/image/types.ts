// The image stage's own options and result. The files it reads and writes have their contracts in
// ../contracts/: launch.json (compiled-dir.ts), image.json (image-manifest.ts) and
// /etc/mvm/runtime.json (guest-runtime.ts).

export type { Reporter } from "../lib/progress.js";

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
  reporter: Reporter;
}

export interface BuildResult {
  digest: string;
  dir: string;
  cached: boolean;
  image: ImageManifest;
  warnings: string[];
}
