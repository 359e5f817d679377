// The debian backend: Debian bookworm packages (mmdebstrap) for the rootfs, the pinned Debian
// cloud kernel, and an initramfs with the agent and the kernel modules the guest needs.
import { copyFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { BuilderVm } from "../../../contracts/builder-vm.js";
import type { LaunchJson } from "../../../contracts/compiled-dir.js";
import { DEFAULT_BUILD_TIMEOUT_MS, needsBuilder, runBuildTimeCode } from "../../builder/builder.js";
import { cacheDir } from "../../cache-dir.js";
import { installToolWheels, type ToolWheel } from "../../deps/tool-wheels.js";
import type { AgentArtifacts } from "../../guest/agent-artifacts.js";
import { buildInitramfs } from "../../guest/initramfs.js";
import type { KernelTree } from "../../guest/kernel.js";
import { planModules } from "../../guest/kernel-modules.js";
import { GUEST_MODULES } from "../../guest/kernel-pin.js";
import { run } from "../../host-tools.js";
import type { Reporter, Resolution } from "../../types.js";
import { mkfsExt4, uuidFromHex } from "./ext4.js";
import { type PackageResolution, resolvePackages } from "./packages.js";
import { extractBase, fixTimestamps, installedPackages, stageRoot, stripRoot } from "./rootfs.js";
import { baseRootfs, SOURCE_DATE_EPOCH } from "./rootfs-base.js";

export interface DebianPlan {
  resolutions: PackageResolution[];
  debs: string[];
  warnings: string[];
  /** Tools from pinned PyPI wheels (uv), installed into /usr/local/bin. */
  wheels: ToolWheel[];
}

/** The interpreters the baked runners need, by the languages of the function entrypoints. */
export function runnerPackages(launch: LaunchJson): string[] {
  const need = new Set<string>();
  for (const ep of launch.entrypoints) {
    if (ep.kind !== "function") continue;
    need.add(ep.language === "python" ? "python3" : "nodejs");
  }
  return [...need].sort();
}

export function planDebian(launch: LaunchJson, strict: boolean): DebianPlan {
  if (launch.image.kind !== "nix_packages") {
    throw new MvmError(
      "E_BUILD_IMAGE_UNSUPPORTED",
      `image kind "${launch.image.kind}" cannot be built by the debian backend`,
      {
        path: ".image",
      },
    );
  }
  return resolvePackages(launch.image.packages, { strict, implicit: runnerPackages(launch) });
}

export interface BackendOutput {
  packages: { name: string; version: string }[];
  resolution: Resolution[];
  warnings: string[];
}

async function duMiB(dir: string): Promise<number> {
  const r = await run("du", ["-sm", "--apparent-size", dir]);
  return Number.parseInt(r.stdout, 10) || 0;
}

export async function buildDebian(o: {
  launch: LaunchJson;
  compiledDir: string;
  outDir: string;
  workDir: string;
  plan: DebianPlan;
  kernel: KernelTree;
  agent: AgentArtifacts;
  inputsHash: string;
  home: string;
  reporter: Reporter;
  production?: boolean;
  /** Runs build-time code; required only when the workload has some. */
  builder?: BuilderVm;
  timeoutMs?: number;
}): Promise<BackendOutput> {
  const { reporter } = o;
  const warnings: string[] = [];

  reporter.step(`base rootfs: ${o.plan.debs.join(" ")} (Debian bookworm)`);
  const base = await baseRootfs(o.home, o.plan.debs, (chunk) => {
    for (const line of chunk.split("\n"))
      if (line.startsWith("I: ")) reporter.step(`mmdebstrap: ${line.slice(3)}`);
  });
  reporter.step(base.cached ? "base rootfs: cached" : "base rootfs: created and cached");

  let root = join(o.workDir, "root");
  await extractBase(base.tarball, root);
  const packages = await installedPackages(root);
  const versions = new Map(packages.map((p) => [p.name, p.version]));
  const resolution: Resolution[] = o.plan.resolutions.map((r) => ({
    requested: r.requested,
    provided: r.provided,
    version: r.wheel?.version ?? versions.get(r.provided) ?? "",
    substituted: r.substituted,
  }));

  const wheelCache = join(cacheDir(o.home), "wheels");
  if (o.plan.wheels.length) {
    reporter.step(`pinned wheels: ${o.plan.wheels.map((w) => `${w.attr} ${w.version}`).join(", ")}`);
    // Before the bundle and hooks: a before_build hook may run the tool (uv sync).
    await installToolWheels(root, o.plan.wheels, {
      cache: wheelCache,
      wheelhouse: process.env.MVM_WHEELHOUSE,
    });
  }
  const staged = await stageRoot(
    root,
    join(o.compiledDir, "src"),
    o.launch,
    o.agent,
    reporter,
    { production: o.production },
    wheelCache,
  );
  reporter.step("stripping package manager, caches and docs");
  await stripRoot(root);
  await fixTimestamps(root, SOURCE_DATE_EPOCH);

  // The initramfs first: the builder VM boots it.
  const initrd = join(o.outDir, "initramfs.img");
  await writeInitramfs(o, initrd, warnings);

  const code = { npm: staged.deps.npmScripts ?? [], hooks: o.launch.hooks?.before_build ?? [] };
  if (needsBuilder(code)) {
    const built = await runBuildTimeCode({
      root,
      workDir: o.workDir,
      code,
      builder: o.builder,
      kernel: o.kernel.vmlinuz,
      initrd,
      usedMiB: await duMiB(root),
      cpus: Math.min(2, Math.max(1, o.launch.resources.cpu_cores)),
      memoryMiB: Math.max(512, o.launch.resources.memory_mb),
      epoch: SOURCE_DATE_EPOCH,
      timeoutMs: o.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
      home: o.home,
      egress: o.launch.network?.build_egress?.allowlist,
      reporter,
    });
    await rm(root, { recursive: true, force: true });
    root = built;
    await fixTimestamps(root, SOURCE_DATE_EPOCH);
  }

  const usedMiB = await duMiB(root);
  // ext4 metadata (inode tables, bitmaps) needs room beyond the file bytes.
  const needMiB = Math.ceil(usedMiB * 1.2) + 32;
  let sizeMiB = o.launch.resources.rootfs_size_mb;
  if (sizeMiB < needMiB) {
    const w = `rootfs needs ${needMiB} MiB but resources.rootfs_size_mb is ${sizeMiB}: grown to ${needMiB} MiB (raise rootfs_size_mb to silence this)`;
    reporter.warn(w);
    warnings.push(w);
    sizeMiB = needMiB;
  }
  reporter.step(`rootfs.ext4: ${usedMiB} MiB of files in a ${sizeMiB} MiB read-only ext4`);
  await mkfsExt4({
    dir: root,
    out: join(o.outDir, "rootfs.ext4"),
    sizeMiB,
    uuid: uuidFromHex(o.inputsHash),
    hashSeed: uuidFromHex(o.inputsHash.slice(32) + o.inputsHash.slice(0, 32)),
    epoch: SOURCE_DATE_EPOCH,
  });

  await copyFile(o.kernel.vmlinuz, join(o.outDir, "vmlinuz"));
  return { packages, resolution, warnings };
}

async function writeInitramfs(
  o: { kernel: KernelTree; agent: AgentArtifacts; reporter: Reporter },
  out: string,
  warnings: string[],
): Promise<void> {
  const { reporter } = o;
  reporter.step(`initramfs: agent + modules for ${o.kernel.release}`);
  let modules: Awaited<ReturnType<typeof planModules>>["modules"] = [];
  if (o.kernel.modulesDir) {
    const plan = await planModules(o.kernel.modulesDir, GUEST_MODULES);
    modules = plan.modules;
    if (plan.missing.length) {
      const w = `kernel ${o.kernel.release} has neither a module nor a built-in for: ${plan.missing.join(", ")}`;
      reporter.warn(w);
      warnings.push(w);
    }
  } else {
    const w = `kernel ${o.kernel.package} came without modules: the initramfs holds only the agent, so virtio drivers must be built in`;
    reporter.warn(w);
    warnings.push(w);
  }
  await writeFile(out, buildInitramfs(o.agent.agent, o.kernel.release, modules));
}
