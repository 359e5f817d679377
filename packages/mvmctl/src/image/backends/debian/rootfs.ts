// Stages the guest root: base tarball -> /app bundle, deps (no install scripts), mvm files ->
// strip (package manager, caches, host-specific files) -> fixed timestamps. Build-time code
// (before_build hooks, npm lifecycle scripts) never runs here: it runs in the builder VM
// (../../builder/). The ext4 image is made from the result by ext4.ts.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LaunchJson } from "../../../contracts/compiled-dir.js";
import { type DepsOutcome, installAppDeps } from "../../deps/app-deps.js";
import type { AgentArtifacts } from "../../guest/agent-artifacts.js";
import { bakeBundle } from "../../guest/app-bundle.js";
import { bakeGuestFiles } from "../../guest/files.js";
import type { RuntimeJsonOptions } from "../../guest/runtime-json.js";
import { GUEST_APP_DIR } from "../../guest/runtime-json.js";
import { runOk } from "../../host-tools.js";
import type { Reporter } from "../../types.js";

export async function extractBase(tarball: string, root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  await runOk("tar", ["-C", root, "--numeric-owner", "-xpf", tarball], {
    what: "extracting the base rootfs",
  });
}

/** Installed Debian packages, read from the staged root's dpkg database by the host's dpkg. */
export async function installedPackages(root: string): Promise<{ name: string; version: string }[]> {
  const out = await runOk("dpkg-query", [
    `--admindir=${join(root, "var/lib/dpkg")}`,
    "-W",
    "-f",
    "${Package}\t${Version}\n",
  ]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name = "", version = ""] = l.split("\t");
      return { name, version };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Removes the package manager (keeping nothing that can install into the image) and caches. */
export async function stripRoot(root: string): Promise<void> {
  // dpkg's own files, as its file list names them; directories are left (other packages share them).
  const list = join(root, "var/lib/dpkg/info/dpkg.list");
  if (existsSync(list)) {
    for (const p of (await readFile(list, "utf8")).split("\n").filter(Boolean)) {
      if (/^\/(usr\/)?(s?bin|lib)\//.test(p) || p.startsWith("/etc/") || p.startsWith("/usr/share/")) {
        await rm(join(root, p), { force: true }).catch(() => {}); // EISDIR for shared dirs: keep those
      }
    }
  }
  for (const p of [
    "var/lib/dpkg",
    "var/lib/apt",
    "var/cache/apt",
    "var/cache/debconf",
    "var/cache/ldconfig",
    "var/log",
    "etc/apt",
    "etc/dpkg",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/lintian",
    "tmp",
    "var/tmp",
    "root/.cache",
  ]) {
    await rm(join(root, p), { recursive: true, force: true });
  }
  for (const d of ["tmp", "var/tmp", "var/log", "proc", "sys", "dev", "run"]) {
    await mkdir(join(root, d), { recursive: true, mode: d.endsWith("tmp") ? 0o1777 : 0o755 });
  }
  // Host-specific files mmdebstrap copies in: replace with fixed content.
  await writeFile(join(root, "etc/hostname"), "mvm\n");
  await writeFile(
    join(root, "etc/hosts"),
    "127.0.0.1\tlocalhost mvm\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  );
  await rm(join(root, "etc/resolv.conf"), { force: true });
  await writeFile(join(root, "etc/resolv.conf"), "");
  await writeFile(join(root, "etc/machine-id"), "");
}

/** Every path's mtime (links included) set to `epoch`, so the ext4 image does not carry build time. */
export async function fixTimestamps(root: string, epoch: number): Promise<void> {
  await runOk("sh", ["-c", 'find "$1" -print0 | xargs -0 touch -h -d "@$2"', "sh", root, String(epoch)], {
    what: "fixing timestamps",
  });
}

export interface StagedRoot {
  deps: DepsOutcome;
  transpiled: string[];
}

export async function stageRoot(
  root: string,
  srcDir: string,
  launch: LaunchJson,
  agent: AgentArtifacts,
  reporter: Reporter,
  rt: RuntimeJsonOptions = {},
  wheelCache?: string,
): Promise<StagedRoot> {
  const appDir = join(root, GUEST_APP_DIR.slice(1));
  await rm(appDir, { recursive: true, force: true });
  const transpiled = await bakeBundle(srcDir, appDir);
  if (transpiled.length) reporter.step(`transpiled ${transpiled.length} TypeScript file(s) to .mjs`);
  const deps = await installAppDeps(launch, root, appDir, wheelCache);
  if (deps.kind !== "none") reporter.step(`${deps.kind} dependencies: ${deps.count} from ${deps.lockfile}`);
  await bakeGuestFiles(root, launch, agent, rt);
  return { deps, transpiled };
}
