// Decides between KVM and TCG by running a guest, not by looking for /dev/kvm: a /dev/kvm that
// exists can still refuse to run one (nested virtualisation without EPT/NPT, a sandboxing
// hypervisor, no permission). The probe boots a 64 KiB "firmware" whose reset vector writes to
// QEMU's isa-debug-exit port; QEMU then exits with (value << 1) | 1. Only that exit code proves
// KVM ran guest code. The result is cached per host boot (boot_id), since it cannot change
// without a reboot or a module load that a reboot usually comes with.
import { spawn } from "node:child_process";
import { existsSync, constants as fsConstants } from "node:fs";
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface KvmProbeResult {
  usable: boolean;
  /** Why KVM is not usable (one line), for the TCG notice and `doctor`. */
  reason?: string;
  boot_id: string;
  probed_at: string;
}

const EXIT_VALUE = 0x21;
/** QEMU's isa-debug-exit status for EXIT_VALUE. */
export const PROBE_OK_STATUS = (EXIT_VALUE << 1) | 1;

/** A 64 KiB BIOS image: at the reset vector, `mov al,0x21; out 0xf4,al; hlt; jmp $-1`. */
export function probeFirmware(): Buffer {
  const size = 64 * 1024;
  const img = Buffer.alloc(size, 0xf4); // hlt everywhere else
  const code = Buffer.from([0xb0, EXIT_VALUE, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]);
  code.copy(img, size - 16);
  return img;
}

async function bootId(): Promise<string> {
  try {
    return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
  } catch {
    return "unknown";
  }
}

function runProbe(
  qemu: string,
  firmware: string,
  timeoutMs: number,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      qemu,
      [
        "-machine",
        "microvm",
        "-accel",
        "kvm",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-m",
        "16M",
        "-bios",
        firmware,
        "-device",
        "isa-debug-exit,iobase=0xf4,iosize=4",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: null, stderr: e.message });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

export async function probeKvm(opts: {
  qemu: string;
  cacheDir: string;
  fresh?: boolean;
  timeoutMs?: number;
}): Promise<KvmProbeResult> {
  const id = await bootId();
  const cacheFile = join(opts.cacheDir, "kvm-probe.json");
  if (!opts.fresh && existsSync(cacheFile)) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, "utf8")) as KvmProbeResult;
      if (cached.boot_id === id && id !== "unknown") return cached;
    } catch {
      // A torn or foreign cache file: probe again.
    }
  }
  const result = await probeUncached(opts.qemu, opts.cacheDir, opts.timeoutMs ?? 5000);
  const out: KvmProbeResult = { ...result, boot_id: id, probed_at: new Date().toISOString() };
  await mkdir(opts.cacheDir, { recursive: true });
  const tmp = `${cacheFile}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(out)}\n`);
  await rename(tmp, cacheFile);
  return out;
}

async function probeUncached(
  qemu: string,
  cacheDir: string,
  timeoutMs: number,
): Promise<{ usable: boolean; reason?: string }> {
  if (!existsSync("/dev/kvm")) return { usable: false, reason: "/dev/kvm does not exist" };
  try {
    await access("/dev/kvm", fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return { usable: false, reason: "no read/write permission on /dev/kvm (add the user to the kvm group)" };
  }
  await mkdir(cacheDir, { recursive: true });
  const firmware = join(cacheDir, "kvm-probe.bin");
  await writeFile(firmware, probeFirmware());
  const { status, stderr } = await runProbe(qemu, firmware, timeoutMs);
  if (status === PROBE_OK_STATUS) return { usable: true };
  const line = stderr
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean);
  if (status === null)
    return { usable: false, reason: line ?? `a KVM test guest did not finish within ${timeoutMs} ms` };
  return { usable: false, reason: line ?? `a KVM test guest exited with status ${status}` };
}
