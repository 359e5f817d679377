// The source bundle: files under source.path that match include and not exclude. `.git` is never
// bundled, symlinks that leave the tree are refused, modes are normalised to 0755/0644 so the
// bundle does not depend on the umask it was created under.
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { type Diagnostic, diagnostic, MvmError } from "@mvm/ir";
import picomatch from "picomatch";

export const MAX_SOURCE_FILES = 20_000;
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

/** Directories never bundled: VCS metadata and caches that a build regenerates. */
const ALWAYS_SKIPPED_DIRS = new Set([".git", "__pycache__", "node_modules"]);

export interface BundleEntry {
  /** POSIX path relative to the source root. */
  path: string;
  type: "file" | "symlink";
  /** 0o755 or 0o644 for files; 0o120 marker is used in the tree hash for links. */
  mode: number;
  size: number;
  /** sha256 hex of the content (files). */
  sha256?: string;
  /** Link target as stored (symlinks). */
  target?: string;
  /** Absolute path on the host, to copy from. */
  abs: string;
}

export interface SourceBundle {
  root: string;
  entries: BundleEntry[];
  treeHash: string;
  totalBytes: number;
}

export interface BundleOptions {
  root: string;
  include: string[];
  exclude: string[];
  /** Absolute paths to leave out (the compile output itself when it sits inside the source). */
  skip?: string[];
  /** IR path of the source, for diagnostics (e.g. `.apps[0].source`). */
  irPath: string;
}

function normMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

export function modeString(e: Pick<BundleEntry, "type" | "mode">): string {
  return e.type === "symlink" ? "0120" : e.mode.toString(8).padStart(4, "0");
}

/** tree_hash of spec §5: sha256 over sorted entries, `f|l mode path\0(sha|target)\n`. */
export function treeHash(entries: readonly BundleEntry[]): string {
  const h = createHash("sha256");
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    h.update(
      `${e.type === "file" ? "f" : "l"} ${modeString(e)} ${e.path}\0${e.type === "file" ? e.sha256 : e.target}\n`,
    );
  }
  return h.digest("hex");
}

export async function collectSource(opts: BundleOptions): Promise<SourceBundle> {
  const diags: Diagnostic[] = [];
  let rootReal: string;
  try {
    const st = await stat(opts.root);
    if (!st.isDirectory()) throw new Error("not a directory");
    rootReal = await realpath(opts.root);
  } catch {
    throw new MvmError(
      "E_SOURCE_PATH_NOT_FOUND",
      `source path ${opts.root} does not exist or is not a directory`,
      {
        path: `${opts.irPath}.path`,
      },
    );
  }
  const mk = (pats: string[]) => (pats.length ? picomatch(pats, { dot: true }) : () => false);
  const isIncluded = mk(opts.include);
  const isExcluded = mk(opts.exclude);
  const skip = new Set((opts.skip ?? []).map((p) => path.resolve(p)));
  const entries: BundleEntry[] = [];
  let totalBytes = 0;

  const walk = async (dirAbs: string, rel: string): Promise<void> => {
    const names = (await readdir(dirAbs)).sort();
    for (const name of names) {
      const abs = path.join(dirAbs, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (skip.has(abs)) continue;
      const st = await lstat(abs);
      if (st.isDirectory()) {
        if (ALWAYS_SKIPPED_DIRS.has(name)) continue;
        // A directory excluded as a whole is pruned without reading it.
        if (isExcluded(relPath) || isExcluded(`${relPath}/`)) continue;
        await walk(abs, relPath);
        continue;
      }
      if (!isIncluded(relPath) || isExcluded(relPath)) continue;
      if (st.isSymbolicLink()) {
        const target = await readlink(abs);
        const resolved = path.resolve(path.dirname(abs), target);
        const inside =
          resolved === rootReal ||
          resolved.startsWith(rootReal + path.sep) ||
          resolved.startsWith(path.resolve(opts.root) + path.sep);
        if (!inside || path.isAbsolute(target)) {
          diags.push(
            diagnostic(
              "E_SOURCE_OUT_OF_TREE_SYMLINK",
              `${opts.irPath}.path`,
              `${relPath} -> ${target} points outside the source tree`,
              { location: { file: abs } },
            ),
          );
          continue;
        }
        entries.push({ path: relPath, type: "symlink", mode: 0o777, size: 0, target, abs });
      } else if (st.isFile()) {
        totalBytes += st.size;
        if (entries.length >= MAX_SOURCE_FILES || totalBytes > MAX_SOURCE_BYTES) {
          throw new MvmError(
            "E_SOURCE_TOO_LARGE",
            `the source bundle under ${opts.root} is over ${MAX_SOURCE_FILES} files or ${MAX_SOURCE_BYTES} bytes`,
            {
              path: `${opts.irPath}.include`,
            },
          );
        }
        const data = await readFile(abs);
        entries.push({
          path: relPath,
          type: "file",
          mode: normMode(st.mode),
          size: st.size,
          sha256: createHash("sha256").update(data).digest("hex"),
          abs,
        });
      }
      // sockets, fifos and devices are not source: skipped.
    }
  };
  await walk(opts.root, "");
  if (diags.length > 0) {
    throw new MvmError(diags[0]!.code, `${diags.length} source problem(s)`, { diagnostics: diags });
  }
  return { root: opts.root, entries, treeHash: treeHash(entries), totalBytes };
}
