// The host's TSC rate, which is also the guest's under TCG (QEMU reads the host TSC for RDTSC).
// /proc/cpuinfo's "bogomips" is derived from loops_per_jiffy, which Linux computes from the
// calibrated TSC rate (bogomips = 2 * tsc_kHz / 1000), so it does not move with CPU frequency
// scaling the way "cpu MHz" does. Falls back to "cpu MHz", then to nothing (the guest calibrates).
import { readFileSync } from "node:fs";

export function tscKhzFromCpuinfo(cpuinfo: string): number | undefined {
  const bogo = /^bogomips\s*:\s*([\d.]+)/m.exec(cpuinfo);
  if (bogo?.[1]) {
    const khz = Math.round((Number(bogo[1]) / 2) * 1000);
    if (khz > 100_000) return khz;
  }
  const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo);
  if (mhz?.[1]) {
    const khz = Math.round(Number(mhz[1]) * 1000);
    if (khz > 100_000) return khz;
  }
  return undefined;
}

export function hostTscKhz(): number | undefined {
  try {
    return tscKhzFromCpuinfo(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return undefined;
  }
}
