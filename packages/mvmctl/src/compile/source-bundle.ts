// The source bundle: files under source.path that match include and not exclude. The walk starts at
// the root's realpath and never follows a link; `.git`, the compile's own output and temp dirs,
// and forbidden roots are never bundled; a symlink is kept only if it resolves (realpath, through
// every link) inside the tree; FIFOs, sockets and devices are skipped with a warning; names that
// are not UTF-8 or hold control characters are an error. Modes are normalised to 0755/0644 so the
// bundle does not depend on the umask it was created under.
import { createHash } from "node:crypto";
import { constants as fsc } from "node:fs";
import { lstat, open, readdir, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { type Diagnostic, diagnostic, MvmError } from "@mvm/ir";
import picomatch from "picomatch";
import { within } from "./source-root.js";

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
  /** Directories never walked into nor linked to, even inside the tree (/proc, /sys, /dev, $MVM_HOME). */
  forbidden?: string[];
  /** Skipped special files and leftovers are reported here (the stage's Reporter.warn). */
  warn?: (message: string) => void;
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

/** Compile's own temp outputs (write-directory.ts tempSibling): `.<name>.tmp|old-<pid>-<hex8>`. */
export const COMPILE_TEMP_NAME = /^\..+\.(tmp|old)-\d+-[0-9a-f]{8}$/;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A name as bytes, printable: ASCII as is, every other byte as \xNN. */
export function showName(raw: Buffer): string {
  let out = "";
  for (const b of raw)
    out +=
      b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return out;
}

/**
 * A directory entry name, or why it cannot be bundled. Refused: bytes that are not UTF-8 (tar
 * names, JSON and the tree hash are UTF-8) and control characters C0, DEL and C1 (a newline would
 * forge tree-hash lines, an escape would forge terminal output). For a refused name, `name` has
 * every such byte or character replaced by `?`, so include/exclude globs can still match it.
 */
export function checkName(raw: Buffer): { name: string; problem?: string } {
  let name: string;
  let problem: string | undefined;
  try {
    name = utf8.decode(raw);
  } catch {
    name = raw.toString("utf8").replaceAll("\ufffd", "?");
    problem = "is not valid UTF-8";
  }
  if (CONTROL.test(name)) problem ??= "has a control character (newline, tab, escape...)";
  return problem ? { name: name.replace(CONTROL_ALL, "?"), problem } : { name };
}

async function readRegular(abs: string): Promise<Buffer> {
  // O_NOFOLLOW | O_NONBLOCK: a file swapped for a link or a FIFO after lstat is refused, never
  // followed or waited on.
  const fh = await open(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  try {
    if (!(await fh.stat()).isFile()) throw new Error(`${abs} is no longer a regular file`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

export async function collectSource(opts: BundleOptions): Promise<SourceBundle> {
  const diags: Diagnostic[] = [];
  let rootReal: string;
  try {
    rootReal = await realpath(opts.root);
    if (!(await stat(rootReal)).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new MvmError(
      "E_SOURCE_PATH_NOT_FOUND",
      `source path ${opts.root} does not exist or is not a directory`,
      {
        path: `${opts.irPath}.path`,
      },
    );
  }
  const warn = opts.warn ?? (() => {});
  const forbidden = opts.forbidden ?? [];
  const mk = (pats: string[]) => (pats.length ? picomatch(pats, { dot: true }) : () => false);
  const isIncluded = mk(opts.include);
  const isExcluded = mk(opts.exclude);
  const skip = new Set((opts.skip ?? []).map((p) => path.resolve(p)));
  const entries: BundleEntry[] = [];
  let totalBytes = 0;
  const sourceProblem = (
    code: "E_SOURCE_OUT_OF_TREE_SYMLINK" | "E_SOURCE_NAME_INVALID",
    abs: string,
    detail: string,
  ) => diags.push(diagnostic(code, `${opts.irPath}.path`, detail, { location: { file: abs } }));

  /** A link is kept only if it resolves, through every link on the way, to an entry inside the tree. */
  const checkLink = async (abs: string, relPath: string, target: string): Promise<boolean> => {
    const shown = `${relPath} -> ${target}`;
    if (path.isAbsolute(target)) {
      sourceProblem("E_SOURCE_OUT_OF_TREE_SYMLINK", abs, `${shown} points outside the source tree`);
      return false;
    }
    const lexical = path.posix.normalize(path.posix.join(path.posix.dirname(relPath), target));
    if (lexical === ".." || lexical.startsWith("../")) {
      sourceProblem("E_SOURCE_OUT_OF_TREE_SYMLINK", abs, `${shown} points outside the source tree`);
      return false;
    }
    let resolved: string;
    try {
      resolved = await realpath(abs);
    } catch {
      sourceProblem(
        "E_SOURCE_OUT_OF_TREE_SYMLINK",
        abs,
        `${shown} does not resolve to anything (a dangling link is refused: it could lead anywhere later)`,
      );
      return false;
    }
    if (!within(resolved, rootReal) || forbidden.some((f) => within(resolved, f))) {
      sourceProblem(
        "E_SOURCE_OUT_OF_TREE_SYMLINK",
        abs,
        `${shown} resolves to ${resolved}, outside the source tree`,
      );
      return false;
    }
    return true;
  };

  const walk = async (dirAbs: string, rel: string): Promise<void> => {
    const raws = (await readdir(dirAbs, { encoding: "buffer" })).sort(Buffer.compare);
    for (const raw of raws) {
      const { name, problem } = checkName(raw);
      const abs = path.join(dirAbs, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const shownRel = rel ? `${rel}/${showName(raw)}` : showName(raw);
      if (skip.has(abs)) continue;
      if (COMPILE_TEMP_NAME.test(name)) {
        warn(`skipping ${shownRel}: a compile's temp output (left by an interrupted compile; remove it)`);
        continue;
      }
      // A name that is not UTF-8 cannot be reached through the decoded string: use the bytes.
      // A name that is not UTF-8 cannot be reached through the decoded string: lstat the bytes.
      const st = await lstat(problem ? Buffer.concat([Buffer.from(`${dirAbs}/`), raw]) : abs);
      if (st.isDirectory()) {
        if (ALWAYS_SKIPPED_DIRS.has(name)) continue;
        if (forbidden.some((f) => within(abs, f))) {
          warn(
            `skipping ${shownRel}: ${abs} is never bundled (/proc, /sys, /dev and $MVM_HOME are off limits)`,
          );
          continue;
        }
        // A directory excluded as a whole is pruned without reading it.
        if (isExcluded(relPath) || isExcluded(`${relPath}/`)) continue;
        if (problem) {
          sourceProblem(
            "E_SOURCE_NAME_INVALID",
            `${dirAbs}/${showName(raw)}`,
            `directory ${shownRel} ${problem}`,
          );
          continue;
        }
        await walk(abs, relPath);
        continue;
      }
      if (!isIncluded(relPath) || isExcluded(relPath)) continue;
      if (problem) {
        sourceProblem("E_SOURCE_NAME_INVALID", `${dirAbs}/${showName(raw)}`, `${shownRel} ${problem}`);
        continue;
      }
      if (st.isSymbolicLink()) {
        const target = await readlink(abs);
        const bad = checkName(Buffer.from(target, "utf8")).problem;
        if (bad) {
          sourceProblem("E_SOURCE_NAME_INVALID", abs, `the target of ${JSON.stringify(relPath)} ${bad}`);
          continue;
        }
        if (!(await checkLink(abs, relPath, target))) continue;
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
        const data = await readRegular(abs);
        entries.push({
          path: relPath,
          type: "file",
          mode: normMode(st.mode),
          size: data.length,
          sha256: createHash("sha256").update(data).digest("hex"),
          abs,
        });
      } else {
        const kind = st.isFIFO()
          ? "a FIFO"
          : st.isSocket()
            ? "a socket"
            : st.isCharacterDevice() || st.isBlockDevice()
              ? "a device"
              : "a special file";
        warn(`skipping ${shownRel}: ${kind} is not source`);
      }
    }
  };
  await walk(rootReal, "");
  if (diags.length > 0) {
    throw new MvmError(diags[0]!.code, `${diags.length} source problem(s)`, { diagnostics: diags });
  }
  return { root: rootReal, entries, treeHash: treeHash(entries), totalBytes };
}
