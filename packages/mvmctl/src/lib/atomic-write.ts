// Whole-file writes for the files mvm keeps state in: a reader sees the old or the new file, never
// a torn one, and a crash leaves at most a temp file next to it.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes `data` to `path` (mode 0600 by default) through a temp file and a rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}
