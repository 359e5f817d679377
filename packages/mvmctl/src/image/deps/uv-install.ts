// Installs a uv.lock's wheels into the staged root. Every wheel is fetched (wheelhouse, lock-relative
// path, or the URL in the lock) and its sha256 checked here against the lock before pip sees it;
// pip then installs exactly those files (--no-index --no-deps --require-hashes, so it re-checks
// the hash and cannot reach for anything else) and handles the wheel format (.data dirs, console
// scripts, RECORD), which is why we do not unzip wheels ourselves.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { PlannedWheel } from "./uv-lock.js";

export interface WheelSource {
  /** MVM_WHEELHOUSE: a directory of wheels, looked up by the filename the lock records. */
  wheelhouse?: string;
  /** Directory of the lockfile, for `path` sources. */
  lockDir: string;
  /** Download cache ($MVM_HOME/cache/wheels): wheels fetched once, re-verified on every use. */
  cache?: string;
}

async function download(w: PlannedWheel, dir: string): Promise<string> {
  const url = w.url ?? "";
  const hint = `no index reachable? put ${w.filename} in a directory and set MVM_WHEELHOUSE to it`;
  let bytes: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new MvmError(
      "E_BUILD_DEPS_FAILED",
      `cannot download ${w.name}==${w.version} from ${url}: ${cause}`,
      { hint },
    );
  }
  const file = join(dir, w.filename);
  // Renamed into place so a killed build leaves no truncated wheel in the cache.
  await writeFile(`${file}.${process.pid}.part`, bytes);
  await rename(`${file}.${process.pid}.part`, file);
  return file;
}

/** The local file for a planned wheel; downloads into `dir` when there is no local copy. */
export async function locateWheel(w: PlannedWheel, src: WheelSource, dir: string): Promise<string> {
  if (src.wheelhouse) {
    const f = join(src.wheelhouse, w.filename);
    if (!existsSync(f)) {
      throw new MvmError(
        "E_BUILD_DEPS_FAILED",
        `${w.name}==${w.version}: ${w.filename} is not in MVM_WHEELHOUSE (${src.wheelhouse})`,
        {
          hint: "add the wheel the lock names to the wheelhouse, or unset MVM_WHEELHOUSE to download it",
        },
      );
    }
    return f;
  }
  if (w.path) {
    const f = resolve(src.lockDir, w.path);
    if (!existsSync(f))
      throw new MvmError(
        "E_BUILD_DEPS_FAILED",
        `${w.name}==${w.version}: ${w.path} (a path source) is not in the bundle`,
      );
    return f;
  }
  if (!w.url)
    throw new MvmError(
      "E_BUILD_DEPS_FAILED",
      `${w.name}==${w.version}: the lock records no URL for ${w.filename}`,
    );
  if (src.cache) {
    // A cached wheel is used only if it still has the pinned hash; otherwise it is fetched again.
    const cached = join(src.cache, w.filename);
    if (existsSync(cached) && (await sha256Of(cached)) === w.sha256) return cached;
    await mkdir(src.cache, { recursive: true });
    await rm(cached, { force: true });
    return download(w, src.cache);
  }
  return download(w, dir);
}

const sha256Of = async (file: string): Promise<string> =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

/** Throws E_BUILD_DEPS_HASH_MISMATCH unless the file's sha256 is the one the lock pins. */
export async function verifyWheel(w: PlannedWheel, file: string): Promise<void> {
  const got = await sha256Of(file);
  if (got !== w.sha256) {
    throw new MvmError(
      "E_BUILD_DEPS_HASH_MISMATCH",
      `${w.name}==${w.version}: ${w.filename} has sha256 ${got}, the lock pins ${w.sha256} (file: ${file})`,
    );
  }
}

/** pip's argv and requirements text for installing verified local wheels into `target`. */
export function pipArgs(
  files: { wheel: PlannedWheel; file: string }[],
  target: string,
  reqFile: string,
  pyVersion: string,
): {
  args: string[];
  requirements: string;
} {
  const platforms = [...new Set(["manylinux2014_x86_64", ...files.flatMap((f) => f.wheel.platforms)])].sort();
  return {
    args: [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--no-input",
      "--quiet",
      "--no-index",
      "--require-hashes",
      "--no-deps",
      "--no-compile",
      "--only-binary=:all:",
      ...platforms.flatMap((p) => ["--platform", p]),
      "--python-version",
      pyVersion,
      "--implementation",
      "cp",
      "--target",
      target,
      "-r",
      reqFile,
    ],
    requirements: files.map((f) => `${f.file} --hash=sha256:${f.wheel.sha256}\n`).join(""),
  };
}

/** Fetches and verifies every wheel, then runs `install(args)` (pip) on them; temp files removed. */
export async function installWheels(
  wheels: PlannedWheel[],
  src: WheelSource,
  target: string,
  pyVersion: string,
  install: (args: string[]) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "mvm-wheels-"));
  try {
    const files: { wheel: PlannedWheel; file: string }[] = [];
    for (const w of wheels) {
      const file = await locateWheel(w, src, dir);
      await verifyWheel(w, file);
      files.push({ wheel: w, file });
    }
    const reqFile = join(dir, "requirements.txt");
    const { args, requirements } = pipArgs(files, target, reqFile, pyVersion);
    await writeFile(reqFile, requirements);
    await install(args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const lockDirOf = (appDir: string, lockfile: string): string => dirname(join(appDir, lockfile));
