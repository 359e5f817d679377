// Download and base-rootfs caches. They are not part of any image, so tests (and CI) can share
// one across temporary MVM_HOMEs with MVM_CACHE_DIR.
import { join, resolve } from "node:path";

export function cacheDir(home: string): string {
  return process.env.MVM_CACHE_DIR ? resolve(process.env.MVM_CACHE_DIR) : join(home, "cache");
}
