// Runs build-time code in the builder microVM and takes its result back as data (docs/build.md,
// "Builder VM"). The staged root becomes a raw ext4 (mkfs.ext4 -d, no mount) that the builder
// boots read-write; the steps run there; the export step writes a plain tar to a second, empty
// disk; the host reads that tar through the hardened extractor (archive-extract.ts, rootfs mode)
// into a fresh directory, which replaces the staged root. The host never mounts the builder's
// disk and never follows a path the guest made. Both disks live in the build's private work dir
// and go with it.
import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HookCmd } from "@mvm/ir";
import { MvmError } from "@mvm/ir/errors";
import type { BuilderVm } from "../../contracts/builder-vm.js";
import { ARCHIVE_LIMITS, extractTgz } from "../archive-extract.js";
import { mkfsExt4 } from "../backends/debian/ext4.js";
import type { NpmLifecycle } from "../deps/npm-scripts.js";
import { proxyEnv } from "../guest/runtime-json.js";
import type { Reporter } from "../types.js";
import { builderScripts, withClock, withProxyEnv } from "./steps.js";

/** 30 minutes: the default of `mvmctl build --timeout`. */
export const DEFAULT_BUILD_TIMEOUT_MS = 30 * 60_000;
/** Room for what build-time code writes, beyond the staged root (the disk files are sparse). */
const HEADROOM_MIB = 2048;
/** Rootfs-mode entry cap: far above a Debian root with a large node_modules. */
const ROOTFS_ENTRIES = 2_000_000;

export interface BuildTimeCode {
  npm: NpmLifecycle[];
  hooks: HookCmd[];
}

export function needsBuilder(code: BuildTimeCode): boolean {
  return code.npm.length > 0 || code.hooks.length > 0;
}

const tail = (s: string, n = 40) => s.trimEnd().split("\n").slice(-n).join("\n");

/**
 * Runs `code` in a builder VM booted from `root`; resolves with a NEW directory holding the
 * result (the caller removes `root`). Fails with E_HOOK_FAILED / E_BUILD_DEPS_FAILED naming the
 * phase and carrying its output, E_BUILD_TIMEOUT, or E_BUILDER_FAILED.
 */
export async function runBuildTimeCode(o: {
  root: string;
  workDir: string;
  code: BuildTimeCode;
  builder?: BuilderVm;
  kernel: string;
  initrd: string;
  usedMiB: number;
  cpus: number;
  memoryMiB: number;
  epoch: number;
  timeoutMs: number;
  home: string;
  /** network.build_egress's grants: the builder's proxy allows exactly these (absent: no NIC). */
  egress?: { host: string; port: number }[];
  reporter: Reporter;
}): Promise<string> {
  if (!o.builder) {
    throw new MvmError(
      "E_BUILDER_FAILED",
      "this workload has build-time code (before_build hooks or npm install scripts) and no builder VM was given",
      { hint: "build with `mvmctl build`, which runs build-time code in a builder microVM" },
    );
  }
  const egress = o.egress?.length ? o.egress : undefined;
  const scripts = builderScripts(o.code);
  const steps = withClock(egress ? withProxyEnv(scripts, proxyEnv({ mode: "bridge" })) : scripts, o.epoch);
  const hooksDir = join(o.root, "etc/mvm/hooks");
  await mkdir(hooksDir, { recursive: true, mode: 0o755 });
  for (const s of steps) await writeFile(join(hooksDir, `${s.phase}.sh`), s.script, { mode: 0o755 });

  const sizeMiB = Math.ceil(o.usedMiB * 1.2) + 64 + HEADROOM_MIB;
  const disk = join(o.workDir, "builder-root.ext4");
  const outDisk = join(o.workDir, "builder-out.tar");
  o.reporter.step(`builder disk: ${o.usedMiB} MiB staged root in a ${sizeMiB} MiB writable ext4`);
  await mkfsExt4({
    dir: o.root,
    out: disk,
    sizeMiB,
    uuid: "6d766d2d-6275-4169-a86c-646572000001",
    hashSeed: "6d766d2d-6275-4169-a86c-646572000002",
    epoch: o.epoch,
    label: "mvm-builder",
    fixTimes: false,
  });
  await writeFile(outDisk, "");
  await truncate(outDisk, sizeMiB * 1024 * 1024);
  // Unix socket paths are short: the socket and logs go in a private dir under /tmp.
  const runDir = await mkdtemp(join(tmpdir(), "mvm-builder-"));
  try {
    const deadline = Date.now() + o.timeoutMs;
    const res = await o.builder({
      kernel: o.kernel,
      initrd: o.initrd,
      disk,
      outDisk,
      cpus: o.cpus,
      memoryMiB: o.memoryMiB,
      steps: steps.map(({ phase, title }) => ({ phase, title })),
      deadline,
      timeoutMs: o.timeoutMs,
      runDir,
      probeCacheDir: join(o.home, "cache"),
      ...(egress ? { egress } : {}),
      reporter: o.reporter,
    });
    const last = res.steps.at(-1);
    const step = steps.find((s) => s.phase === last?.phase);
    if (!last || !step || res.steps.length !== steps.length || last.exitCode !== 0) {
      const exit = last?.exitCode ?? -1;
      const out = tail(last?.output ?? "");
      if (step?.kind === "hook")
        throw new MvmError(
          "E_HOOK_FAILED",
          `before_build hook failed in the builder VM (exit ${exit}):\n${out}`,
          {
            path: ".hooks.before_build",
          },
        );
      if (step?.kind === "npm")
        throw new MvmError(
          "E_BUILD_DEPS_FAILED",
          `an npm lifecycle script failed in the builder VM (exit ${exit}):\n${out}`,
        );
      throw new MvmError(
        "E_BUILDER_FAILED",
        `the builder's ${step?.title ?? "steps"} failed (exit ${exit}):\n${out}`,
      );
    }
    const m = /Total bytes written: (\d+)/.exec(last.output);
    const bytes = Number(m?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > sizeMiB * 1024 * 1024)
      throw new MvmError(
        "E_BUILDER_FAILED",
        `the builder's export did not report a usable size:\n${tail(last.output, 5)}`,
      );
    await rm(disk, { force: true });
    const out = join(o.workDir, "root-built");
    await mkdir(out, { mode: 0o755 });
    o.reporter.step(
      `builder: reading back ${(bytes / 1048576).toFixed(0)} MiB of tar through the hardened extractor`,
    );
    const { skipped } = await extractTgz(
      outDisk,
      out,
      {
        ...ARCHIVE_LIMITS,
        entries: ROOTFS_ENTRIES,
        entryBytes: bytes,
        totalBytes: bytes,
        streamBytes: bytes,
      },
      { plain: true, bytes, rootfs: true },
    );
    if (skipped.length)
      o.reporter.warn(
        `the builder's result held ${skipped.length} device/FIFO/hardlink entr(ies), not carried into the image: ${skipped.slice(0, 5).join(", ")}`,
      );
    return out;
  } finally {
    await rm(runDir, { recursive: true, force: true });
    await rm(disk, { force: true });
    await rm(outDisk, { force: true });
  }
}
