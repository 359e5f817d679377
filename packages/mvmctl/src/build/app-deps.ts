// The workload's own locked dependencies. Both installs run on the host with the host's tools and
// write into the staged root, so the image needs no npm or pip of its own:
// - Node: `npm ci --omit=dev` in /app (package.json + package-lock.json in the bundle).
// - Python: a hashed requirements lockfile installed with `pip --require-hashes --no-deps` for
//   the guest's CPython (3.11, manylinux x86_64 wheels only) into /usr/local/lib/python3.11/
//   dist-packages; from MVM_WHEELHOUSE (no index) when set, else from the default index.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { SUITE_PYTHON } from "./debian-packages.js";
import { run } from "./exec.js";
import type { LaunchJson } from "./types.js";

export interface DepsOutcome {
  kind: "node" | "python" | "none";
  lockfile?: string;
  count: number;
}

async function mustRun(cmd: string, args: string[], cwd: string, what: string): Promise<string> {
  const r = await run(cmd, args, { cwd }).catch((e: Error) => ({ code: 127, output: e.message }));
  if (r.code !== 0) {
    throw new MvmError(
      "E_BUILD_DEPS_FAILED",
      `${what} failed (exit ${r.code}):\n${r.output.trim().split("\n").slice(-30).join("\n")}`,
    );
  }
  return r.output;
}

async function nodeDeps(appDir: string): Promise<DepsOutcome> {
  if (!existsSync(join(appDir, "package.json")) || !existsSync(join(appDir, "package-lock.json"))) {
    return { kind: "none", count: 0 };
  }
  const lock = JSON.parse(await readFile(join(appDir, "package-lock.json"), "utf8")) as {
    packages?: Record<string, { dev?: boolean }>;
  };
  const count = Object.entries(lock.packages ?? {}).filter(([k, v]) => k !== "" && !v.dev).length;
  if (count > 0) {
    await mustRun(
      "npm",
      ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
      appDir,
      "npm ci --omit=dev",
    );
  }
  return { kind: "node", lockfile: "package-lock.json", count };
}

async function pythonDeps(appDir: string, root: string, lockfile: string): Promise<DepsOutcome> {
  const lock = join(appDir, lockfile);
  if (!existsSync(lock)) {
    throw new MvmError("E_BUILD_DEPS_FAILED", `lockfile ${lockfile} is not in the source bundle`);
  }
  if (lockfile.endsWith(".lock") || lockfile.endsWith(".toml")) {
    throw new MvmError(
      "E_BUILD_LOCKFILE_UNSUPPORTED",
      `${lockfile}: the debian backend installs hashed requirements files only`,
    );
  }
  const text = await readFile(lock, "utf8");
  const count = text.split("\n").filter((l) => /^[A-Za-z0-9]/.test(l.trim())).length;
  if (count === 0) return { kind: "python", lockfile, count };
  const target = join(root, `usr/local/lib/python${SUITE_PYTHON}/dist-packages`);
  const wheelhouse = process.env.MVM_WHEELHOUSE;
  const args = [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--no-input",
    "--quiet",
    "--require-hashes",
    "--no-deps",
    "--no-compile",
    "--only-binary=:all:",
    "--platform",
    "manylinux2014_x86_64",
    "--python-version",
    SUITE_PYTHON,
    "--implementation",
    "cp",
    "--target",
    target,
    ...(wheelhouse ? ["--no-index", "--find-links", wheelhouse] : []),
    "-r",
    lock,
  ];
  await mustRun(process.env.MVM_PYTHON ?? "python3", args, appDir, "pip install --require-hashes");
  return { kind: "python", lockfile, count };
}

export async function installAppDeps(launch: LaunchJson, root: string, appDir: string): Promise<DepsOutcome> {
  const d = launch.dependencies;
  if (d?.kind === "python" && d.lockfile) return pythonDeps(appDir, root, d.lockfile);
  // Node: an explicit declaration, or a bundle that simply carries package.json + lock.
  const node = launch.entrypoints.some((e) => e.kind === "function" && e.language !== "python");
  if (d?.kind === "node" || (node && d?.kind !== "none")) return nodeDeps(appDir);
  return { kind: "none", count: 0 };
}
