// Decides whether KVM can run *our* guest by booting it: the image's own kernel, under exactly the
// machine, accelerator and CPU model `up` uses (qemu-args.ts machineArgs), to a trivial /init
// (kvm-probe-init.ts) that makes QEMU exit with a known status. A /dev/kvm that exists can still
// refuse Linux (a nested hypervisor that runs 16-bit firmware but hangs or aborts a kernel; no
// EPT/NPT; a sandbox), so only that exit status proves KVM. A cheap pre-check (no device, no
// permission) answers TCG without starting QEMU.
//
// The result is cached in $MVM_HOME/cache/kvm-probe.json per (host boot id, QEMU version, kernel
// sha256): the answer can change with a reboot (module parameters), a QEMU upgrade or another
// kernel, and with nothing else. `up` also writes "unusable" here when a real boot under KVM dies
// after a passing probe, so the next `up` goes straight to TCG.
import { spawn } from "node:child_process";
import { existsSync, constants as fsConstants } from "node:fs";
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { helperEnv } from "../../lib/child-env.js";
import { sha256File } from "../../lib/file-hash.js";
import { PROBE_EXIT_PORT, PROBE_OK_STATUS, probeInitramfs } from "./kvm-probe-init.js";
import { KVM_CPU_MODELS, probeArgs } from "./qemu-args.js";
import { qemuVersionOf } from "./qemu-version.js";

export { PROBE_OK_STATUS };

/** What the cache is keyed by: the three things that can change the answer. */
export interface KvmProbeKey {
  boot_id: string;
  qemu_version: string;
  kernel_sha256: string;
}

export interface KvmProbeResult extends KvmProbeKey {
  usable: boolean;
  /** The guest CPU model that booted (usable only). */
  cpu_model?: string;
  /** Why KVM is not usable (one line), for the TCG notice and `doctor`. */
  reason?: string;
  /** "probe": the probe guest decided; "boot": a real instance died under KVM after a passing probe. */
  source: "probe" | "boot";
  probed_at: string;
  /** Wall time of the probe's QEMU runs. */
  probe_ms?: number;
}

export interface KvmPrecheck {
  ok: boolean;
  device: string;
  reason?: string;
}

/**
 * A Linux boot to init under a working KVM takes well under 2 s (under TCG on a loaded 2-core
 * host: 2-2.5 s for the whole QEMU run). 10 s is 5x the slowest software-emulated run we measured,
 * yet bounds what a silently hanging KVM (this project's nested dev host) costs: once per cache key.
 */
export const PROBE_TIMEOUT_MS = 10_000;

/**
 * The KVM device the pre-check looks at. MVM_KVM_DEVICE is TEST-ONLY: the e2e tests point it at a
 * file they create (to reach the kernel-boot probe on a CI host without /dev/kvm) or at a missing
 * path (to act as such a host). QEMU itself always opens /dev/kvm.
 */
export function kvmDevice(env: NodeJS.ProcessEnv = process.env): string {
  return env.MVM_KVM_DEVICE || "/dev/kvm";
}

/** No device or no permission: TCG without starting QEMU. */
export async function kvmPrecheck(env: NodeJS.ProcessEnv = process.env): Promise<KvmPrecheck> {
  const device = kvmDevice(env);
  if (!existsSync(device)) return { ok: false, device, reason: `${device} does not exist` };
  try {
    await access(device, fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return {
      ok: false,
      device,
      reason: `no read/write permission on ${device} (add the user to the kvm group)`,
    };
  }
  return { ok: true, device };
}

async function bootId(): Promise<string> {
  try {
    return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
  } catch {
    return "unknown";
  }
}

async function qemuVersion(qemu: string, cacheDir?: string): Promise<string> {
  const v = await qemuVersionOf(qemu, cacheDir);
  return v.ok ? v.text : `unknown (${v.error})`;
}

/**
 * The key of a probe of `kernel` with `qemu`. `kernelSha256`: the kernel's sha256 when the caller
 * knows it (image.json's `files` entry of an image's vmlinuz), else the file is hashed. `cacheDir`:
 * where the QEMU version may be cached (qemu-version.ts).
 */
export async function probeKey(
  qemu: string,
  kernel: string,
  o: { kernelSha256?: string; cacheDir?: string } = {},
): Promise<KvmProbeKey> {
  const [boot_id, qemu_version, kernel_sha256] = await Promise.all([
    bootId(),
    qemuVersion(qemu, o.cacheDir),
    o.kernelSha256 ?? sha256File(kernel),
  ]);
  return { boot_id, qemu_version, kernel_sha256 };
}

export function sameKey(a: KvmProbeKey, b: KvmProbeKey): boolean {
  return (
    a.boot_id === b.boot_id &&
    a.qemu_version === b.qemu_version &&
    a.kernel_sha256 === b.kernel_sha256 &&
    a.boot_id !== "unknown" &&
    !a.qemu_version.startsWith("unknown")
  );
}

function cacheFile(cacheDir: string): string {
  return join(cacheDir, "kvm-probe.json");
}

interface CacheFile {
  entries: KvmProbeResult[];
}

async function readCache(cacheDir: string): Promise<KvmProbeResult[]> {
  try {
    const parsed = JSON.parse(await readFile(cacheFile(cacheDir), "utf8")) as Partial<CacheFile>;
    return Array.isArray(parsed.entries) ? parsed.entries : [];
  } catch {
    return []; // none yet, torn or an older format: probe again
  }
}

export async function cachedProbe(cacheDir: string, key: KvmProbeKey): Promise<KvmProbeResult | undefined> {
  return (await readCache(cacheDir)).find((e) => sameKey(e, key));
}

/** Replaces the entry for `result`'s key; drops entries of earlier host boots. Atomic (tmp + rename). */
export async function writeProbeResult(cacheDir: string, result: KvmProbeResult): Promise<void> {
  const kept = (await readCache(cacheDir)).filter((e) => e.boot_id === result.boot_id && !sameKey(e, result));
  // 0700 also for MVM_HOME when this creates it: instance state lives beside the cache.
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const file = cacheFile(cacheDir);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify({ entries: [...kept, result] } satisfies CacheFile, null, 2)}\n`);
  await rename(tmp, file);
}

/** `up` saw a real KVM boot die after the probe passed: remember KVM as unusable for this key. */
export async function recordKvmUnusable(cacheDir: string, key: KvmProbeKey, reason: string): Promise<void> {
  await writeProbeResult(cacheDir, {
    ...key,
    usable: false,
    reason,
    source: "boot",
    probed_at: new Date().toISOString(),
  });
}

interface RunOutcome {
  status: number | null;
  timedOut: boolean;
  stderr: string;
}

function runQemu(qemu: string, args: string[], timeoutMs: number): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { stdio: ["ignore", "ignore", "pipe"], env: helperEnv() });
    let stderr = "";
    let timedOut = false;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: null, timedOut: false, stderr: e.message });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, timedOut, stderr });
    });
  });
}

function firstLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean);
}

/** Boots the kernel to the probe init, trying KVM_CPU_MODELS in order. */
async function bootProbe(
  qemu: string,
  kernel: string,
  cacheDir: string,
  timeoutMs: number,
): Promise<{ usable: boolean; cpu_model?: string; reason?: string }> {
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(cacheDir, "kvm-probe-"));
  try {
    const initrd = join(work, "probe-initramfs.img");
    await writeFile(initrd, probeInitramfs());
    const failures: string[] = [];
    for (const cpuModel of KVM_CPU_MODELS) {
      const consoleLog = join(work, "console.log");
      const args = probeArgs({ kernel, initrd, cpuModel, consoleLog, exitPort: PROBE_EXIT_PORT });
      const run = await runQemu(qemu, args, timeoutMs);
      if (run.status === PROBE_OK_STATUS) return { usable: true, cpu_model: cpuModel };
      const said = firstLine(run.stderr.replace(/^.*terminating on signal.*$/gm, ""));
      let why: string;
      if (run.timedOut) {
        const con = (await readFile(consoleLog, "utf8").catch(() => "")).trim().split("\n").at(-1)?.trim();
        why = `the kernel did not reach init within ${timeoutMs / 1000} s (${con ? `last console line: ${con}` : "no console output"})`;
      } else {
        why = said ?? `QEMU exited with status ${run.status} before init ran`;
      }
      failures.push(`-cpu ${cpuModel}: ${why}`);
      // A hang costs the full timeout and the next model hangs the same way on every host we
      // know; only QEMU refusing a model outright (an error, at once) is worth another try.
      if (run.timedOut) break;
    }
    return { usable: false, reason: failures.join("; ") };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface ProbeOptions {
  qemu: string;
  /** The vmlinuz the instance will boot. */
  kernel: string;
  /** Its sha256 when known (image.json), so it is not hashed again. */
  kernelSha256?: string;
  /** $MVM_HOME/cache */
  cacheDir: string;
  /** Ignore a cached result. */
  fresh?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export type ProbeOutcome =
  | { kind: "precheck"; precheck: KvmPrecheck }
  | { kind: "probe"; result: KvmProbeResult; cached: boolean };

/** The pre-check, then the cached result for this key, else a probe boot (whose result is cached). */
export async function probeKvm(o: ProbeOptions): Promise<ProbeOutcome> {
  const precheck = await kvmPrecheck(o.env);
  if (!precheck.ok) return { kind: "precheck", precheck };
  const key = await probeKey(o.qemu, o.kernel, { kernelSha256: o.kernelSha256, cacheDir: o.cacheDir });
  if (!o.fresh) {
    const hit = await cachedProbe(o.cacheDir, key);
    if (hit) return { kind: "probe", result: hit, cached: true };
  }
  const t0 = performance.now();
  const booted = await bootProbe(o.qemu, o.kernel, o.cacheDir, o.timeoutMs ?? PROBE_TIMEOUT_MS);
  const result: KvmProbeResult = {
    ...key,
    ...booted,
    source: "probe",
    probed_at: new Date().toISOString(),
    probe_ms: Math.round(performance.now() - t0),
  };
  await writeProbeResult(o.cacheDir, result);
  return { kind: "probe", result, cached: false };
}

/** One line: why KVM is not usable, for notices and errors. */
export function unusableReason(o: ProbeOutcome): string | undefined {
  if (o.kind === "precheck") return o.precheck.reason;
  return o.result.usable ? undefined : (o.result.reason ?? "the KVM probe failed");
}
