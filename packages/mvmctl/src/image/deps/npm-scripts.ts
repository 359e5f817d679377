// npm's install-time lifecycle scripts, planned on the host and run in the builder VM (docs/build.md,
// "Builder VM"). The host runs `npm ci --ignore-scripts`, which fetches the locked tarballs and
// checks their integrity but runs nothing; this module then lists what npm would have run, from
// the lockfile (`hasInstallScript`) and each package's package.json, for the builder to run.
// Order: deeper packages first (a nested dependency before the package that holds it), then by
// path; the root project's own scripts last, as npm does.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { MvmError } from "@mvm/ir/errors";

/** One script to run: `event` of the package at `dir` (a path inside the guest). */
export interface NpmLifecycle {
  dir: string;
  name: string;
  version: string;
  event: string;
  script: string;
}

const INSTALL_EVENTS = ["preinstall", "install", "postinstall"] as const;
const ROOT_EVENTS = [...INSTALL_EVENTS, "prepare"] as const;

interface PkgJson {
  name?: string;
  version?: string;
  scripts?: Record<string, unknown>;
}

async function readPkg(dir: string): Promise<PkgJson | undefined> {
  const p = join(dir, "package.json");
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(await readFile(p, "utf8")) as PkgJson;
  } catch {
    return undefined;
  }
}

function scriptsOf(pkg: PkgJson, events: readonly string[]) {
  return events.flatMap((event) => {
    const s = pkg.scripts?.[event];
    return typeof s === "string" && s.trim() ? [{ event, script: s }] : [];
  });
}

const depth = (key: string) => key.split("node_modules/").length;

/**
 * The scripts `npm ci` would run for the lockfile in `hostLockDir` (the staged copy, after `npm
 * ci --ignore-scripts`), as paths under `guestLockDir`. A package that needs node-gyp (a
 * binding.gyp without its own install script) is refused: the image carries no compiler.
 */
export async function planNpmLifecycle(hostLockDir: string, guestLockDir: string): Promise<NpmLifecycle[]> {
  const lock = JSON.parse(await readFile(join(hostLockDir, "package-lock.json"), "utf8")) as {
    packages?: Record<string, { hasInstallScript?: boolean; dev?: boolean; link?: boolean }>;
  };
  const out: NpmLifecycle[] = [];
  const keys = Object.entries(lock.packages ?? {})
    .filter(([k, v]) => k !== "" && v.hasInstallScript && !v.dev && !v.link)
    .map(([k]) => k)
    .sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const hostDir = join(hostLockDir, key);
    const pkg = await readPkg(hostDir);
    if (!pkg) continue; // optional or omitted: not installed
    const scripts = scriptsOf(pkg, INSTALL_EVENTS);
    if (!scripts.length && existsSync(join(hostDir, "binding.gyp"))) {
      throw new MvmError(
        "E_BUILD_DEPS_FAILED",
        `${key}: a native addon built by node-gyp (binding.gyp) — the image has no compiler to build it`,
        { hint: "use a release of the package that ships prebuilt binaries, or drop the dependency" },
      );
    }
    for (const s of scripts) {
      out.push({
        dir: posix.join(guestLockDir, key),
        name: pkg.name ?? key,
        version: pkg.version ?? "",
        ...s,
      });
    }
  }
  const root = await readPkg(hostLockDir);
  for (const s of root ? scriptsOf(root, ROOT_EVENTS) : []) {
    out.push({ dir: guestLockDir, name: root?.name ?? "", version: root?.version ?? "", ...s });
  }
  return out;
}
