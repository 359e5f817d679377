// The workload's own locked dependencies. Both installs run on the host with the host's tools and
// write into the staged root, so the image needs no npm or pip of its own:
// - Node: `npm ci --omit=dev --ignore-scripts` in /app (package.json + package-lock.json in the
//   bundle): fetches and integrity-checks the locked tarballs and runs none of their code; the
//   lifecycle scripts npm would have run are listed (npm-scripts.ts) for the builder VM.
// - Python, hashed requirements file: `pip --require-hashes --no-deps` for the guest's CPython
//   (3.11, manylinux x86_64 wheels only) into /usr/local/lib/python3.11/dist-packages; from
//   MVM_WHEELHOUSE (no index) when set, else `pip download` from the host pip's index (PyPI)
//   into the download cache first, then installed from there with no index.
// - Python, uv.lock: the wheels the guest needs are chosen and hash-checked here (deps/), then
//   installed by pip into the same dir; from MVM_WHEELHOUSE when set, else the lock's URLs
//   (cached).
// Wheels only, everywhere: an sdist's build backend is code that would run on the host.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { LaunchJson } from "../../contracts/compiled-dir.js";
import { SUITE_PYTHON } from "../backends/debian/packages.js";
import { GUEST_APP_DIR } from "../guest/runtime-json.js";
import { run } from "../host-tools.js";
import { type NpmLifecycle, planNpmLifecycle } from "./npm-scripts.js";
import { installWheels, lockDirOf } from "./uv-install.js";
import { planUvLock } from "./uv-lock.js";

export interface DepsOutcome {
  kind: "node" | "python" | "none";
  lockfile?: string;
  count: number;
  /** Node: the lifecycle scripts to run in the builder VM, in order. */
  npmScripts?: NpmLifecycle[];
}

// Nothing here reads an install's output: it only explains a failure (stdout and stderr both).
async function mustRun(cmd: string, args: string[], cwd: string, what: string, hint?: string): Promise<void> {
  const r = await run(cmd, args, { cwd }).catch((e: Error) => ({ code: 127, output: e.message }));
  if (r.code !== 0) {
    throw new MvmError(
      "E_BUILD_DEPS_FAILED",
      `${what} failed (exit ${r.code}):\n${r.output.trim().split("\n").slice(-30).join("\n")}`,
      hint ? { hint } : undefined,
    );
  }
}

const WHEELS_ONLY_HINT =
  "every requirement needs a wheel for CPython 3.11 on manylinux x86_64 (or py3-none-any) with its sha256 in the file; source distributions are refused (their build backend would run on the host). Offline: put the wheels in a directory and set MVM_WHEELHOUSE to it";

/** pip's flags that pick wheels for the guest (not the host), by hash, and nothing else. */
const GUEST_WHEEL_FLAGS = [
  "--disable-pip-version-check",
  "--no-input",
  "--quiet",
  "--require-hashes",
  "--no-deps",
  "--only-binary=:all:",
  "--platform",
  "manylinux2014_x86_64",
  "--python-version",
  SUITE_PYTHON,
  "--implementation",
  "cp",
];

async function nodeDeps(
  appDir: string,
  tool: string | undefined,
  lockfile: string | undefined,
): Promise<DepsOutcome> {
  // Only npm's lockfile is installed; a declared pnpm/yarn lock must not be silently ignored.
  if (tool === "pnpm" || tool === "yarn") {
    throw new MvmError(
      "E_BUILD_LOCKFILE_UNSUPPORTED",
      `${lockfile ?? tool}: the debian backend installs package-lock.json (npm) only`,
    );
  }
  // npm ci runs where the declared lockfile is (usually /app itself).
  const rel = lockfile ?? "package-lock.json";
  const dir = dirname(join(appDir, rel));
  if (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "package-lock.json"))) {
    if (lockfile) {
      throw new MvmError(
        "E_BUILD_DEPS_FAILED",
        `${rel}: npm ci needs package.json and package-lock.json side by side in the bundle`,
      );
    }
    return { kind: "none", count: 0 };
  }
  const lock = JSON.parse(await readFile(join(dir, "package-lock.json"), "utf8")) as {
    packages?: Record<string, { dev?: boolean }>;
    dependencies?: Record<string, { dev?: boolean }>;
  };
  // lockfileVersion 2/3 list "node_modules/x" under packages; version 1 only has dependencies.
  const entries = lock.packages
    ? Object.entries(lock.packages).filter(([k]) => k !== "")
    : Object.entries(lock.dependencies ?? {});
  const count = entries.filter(([, v]) => !v.dev).length;
  if (count > 0) {
    await mustRun(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
      dir,
      "npm ci --omit=dev --ignore-scripts",
    );
  }
  const guestDir = posix.join(GUEST_APP_DIR, posix.dirname(rel));
  const npmScripts = await planNpmLifecycle(dir, guestDir);
  return { kind: "node", lockfile: rel, count, npmScripts };
}

async function pythonDeps(
  appDir: string,
  root: string,
  lockfile: string,
  tool: string | undefined,
  cache: string | undefined,
): Promise<DepsOutcome> {
  const lock = join(appDir, lockfile);
  if (!existsSync(lock)) {
    throw new MvmError("E_BUILD_DEPS_FAILED", `lockfile ${lockfile} is not in the source bundle`);
  }
  const target = join(root, `usr/local/lib/python${SUITE_PYTHON}/dist-packages`);
  const wheelhouse = process.env.MVM_WHEELHOUSE;
  if (tool === "uv" || lockfile.endsWith(".lock")) {
    const plan = planUvLock(await readFile(lock, "utf8"), lockfile);
    if (plan.wheels.length > 0) {
      await installWheels(
        plan.wheels,
        { wheelhouse, lockDir: lockDirOf(appDir, lockfile), cache },
        target,
        SUITE_PYTHON,
        async (args) => {
          await mustRun(
            process.env.MVM_PYTHON ?? "python3",
            args,
            appDir,
            "pip install of the uv.lock wheels",
          );
        },
      );
    }
    return { kind: "python", lockfile, count: plan.wheels.length };
  }
  const text = await readFile(lock, "utf8");
  const count = text.split("\n").filter((l) => /^[A-Za-z0-9]/.test(l.trim())).length;
  if (count === 0) return { kind: "python", lockfile, count };
  const py = process.env.MVM_PYTHON ?? "python3";
  // Without a wheelhouse, the wheels are downloaded (hash-checked by pip) into the cache first,
  // so the install itself never contacts an index and a rebuild downloads nothing.
  let from = wheelhouse;
  if (!from) {
    if (!cache) throw new MvmError("E_BUILD_DEPS_FAILED", `${lockfile}: no wheelhouse and no download cache`);
    from = join(cache, "pip");
    await mkdir(from, { recursive: true });
    await mustRun(
      py,
      ["-m", "pip", "download", ...GUEST_WHEEL_FLAGS, "--dest", from, "-r", lock],
      appDir,
      `pip download --require-hashes of ${lockfile}`,
      WHEELS_ONLY_HINT,
    );
  }
  const args = [
    "-m",
    "pip",
    "install",
    ...GUEST_WHEEL_FLAGS,
    "--no-compile",
    "--target",
    target,
    "--no-index",
    "--find-links",
    from,
    "-r",
    lock,
  ];
  await mustRun(py, args, appDir, "pip install --require-hashes", WHEELS_ONLY_HINT);
  return { kind: "python", lockfile, count };
}

/** `cache` is the wheel download cache ($MVM_HOME/cache/wheels). */
export async function installAppDeps(
  launch: LaunchJson,
  root: string,
  appDir: string,
  cache?: string,
): Promise<DepsOutcome> {
  const d = launch.dependencies;
  if (d?.kind === "python" && d.lockfile) return pythonDeps(appDir, root, d.lockfile, d.tool, cache);
  // Node: an explicit declaration, or a bundle that simply carries package.json + lock.
  const node = launch.entrypoints.some((e) => e.kind === "function" && e.language !== "python");
  if (d?.kind === "node" || (node && d?.kind !== "none")) return nodeDeps(appDir, d?.tool, d?.lockfile);
  return { kind: "none", count: 0 };
}
