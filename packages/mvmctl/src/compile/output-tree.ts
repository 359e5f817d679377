// The compile output as a list of entries, written either as a directory or as a .tgz. Keeping one
// description means the directory and the archive can never disagree.
import type { BundleEntry } from "./source-bundle.js";

export type OutputEntry =
  | { path: string; type: "file"; mode: number; data: Buffer }
  | { path: string; type: "copy"; mode: number; from: string }
  | { path: string; type: "symlink"; target: string };

export function outputTree(
  files: Record<string, string | Buffer>,
  bundle: readonly BundleEntry[],
): OutputEntry[] {
  const out: OutputEntry[] = Object.entries(files).map(([p, data]) => ({
    path: p,
    type: "file",
    mode: 0o644,
    data: Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8"),
  }));
  for (const e of bundle) {
    if (e.type === "symlink") out.push({ path: `src/${e.path}`, type: "symlink", target: e.target! });
    else out.push({ path: `src/${e.path}`, type: "copy", mode: e.mode, from: e.abs });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
