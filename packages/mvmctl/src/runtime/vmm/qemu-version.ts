// `qemu-system-x86_64 --version`, which the KVM probe's cache key (kvm-probe.ts) and the snapshot
// key (snapshot.ts) both name. Running it costs a process start (20-40 ms) on every `up`, for an
// answer that only changes with the binary. So it is cached in $MVM_HOME/cache/qemu-version.json
// per binary path, keyed by the binary's device, inode, size, mtime and ctime: an upgrade (a new
// file) or an edit in place misses. The cache is only a shortcut: an entry that is torn, of another
// shape or of another file is ignored and `--version` runs, exactly as without a cache.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic-write.js";

export type QemuVersion = { ok: true; text: string } | { ok: false; error: string };

interface Entry {
  path: string;
  /** dev:ino:size:mtime_ns:ctime_ns of the binary (symlinks followed). */
  file: string;
  /** `--version`'s whole stdout, trimmed. */
  text: string;
}

const FILE = "qemu-version.json";
const memo = new Map<string, Promise<QemuVersion>>();

async function fileKey(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join(":");
  } catch {
    return undefined;
  }
}

function run(qemu: string): Promise<QemuVersion> {
  return new Promise((resolve) => {
    execFile(qemu, ["--version"], { timeout: 10_000 }, (err, stdout) => {
      resolve(
        err ? { ok: false, error: err.message.split("\n")[0] ?? "" } : { ok: true, text: stdout.trim() },
      );
    });
  });
}

async function readEntries(cacheDir: string): Promise<Entry[]> {
  try {
    const parsed = JSON.parse(await readFile(join(cacheDir, FILE), "utf8")) as { entries?: unknown };
    if (!Array.isArray(parsed.entries)) return [];
    return parsed.entries.filter(
      (e): e is Entry =>
        typeof e === "object" &&
        e !== null &&
        typeof (e as Entry).path === "string" &&
        typeof (e as Entry).file === "string" &&
        typeof (e as Entry).text === "string" &&
        (e as Entry).text.length > 0,
    );
  } catch {
    return []; // none yet, torn, or not JSON: run --version
  }
}

/**
 * `qemu --version` for this binary, from the cache in `cacheDir` when the binary is the file the
 * entry was made from, else by running it (and caching a successful answer). Without `cacheDir`,
 * only the in-process memo (also keyed by the file) is used.
 */
export function qemuVersionOf(qemu: string, cacheDir?: string): Promise<QemuVersion> {
  return fileKey(qemu).then((file) => {
    // No stat: the binary is missing or unreadable; --version reports why, nothing is cached.
    if (file === undefined) return run(qemu);
    const k = `${qemu}\0${file}\0${cacheDir ?? ""}`;
    let v = memo.get(k);
    if (!v) {
      v = lookup(qemu, file, cacheDir);
      memo.set(k, v);
      v.then((r) => (r.ok ? undefined : memo.delete(k))); // a failure is asked again next time
    }
    return v;
  });
}

async function lookup(qemu: string, file: string, cacheDir: string | undefined): Promise<QemuVersion> {
  if (!cacheDir) return run(qemu);
  const entries = await readEntries(cacheDir);
  const hit = entries.find((e) => e.path === qemu && e.file === file);
  if (hit) return { ok: true, text: hit.text };
  const v = await run(qemu);
  // Cached only when the binary did not change while it ran: the answer is then that file's.
  if (v.ok && (await fileKey(qemu)) === file) {
    const kept = entries.filter((e) => e.path !== qemu);
    await writeFileAtomic(
      join(cacheDir, FILE),
      `${JSON.stringify({ entries: [...kept, { path: qemu, file, text: v.text }] }, null, 2)}\n`,
      0o644,
    ).catch(() => undefined); // a read-only home: the answer stands, uncached
  }
  return v;
}
