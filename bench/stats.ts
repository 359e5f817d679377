// Small statistics and the SPEC.md promises the runtime bench checks (reported, never asserted).
export interface Figures {
  host: {
    hostname: string;
    cpu: string;
    host_cpus: number;
    host_memory_gib: number;
    qemu: string;
    load_avg_1m: number[];
  };
  accel: string;
  vcpus: number;
  memory_mib: number;
  kernel: string;
  image: string;
  runs: number;
  calls: number;
  bare_kernel_to_init_ms: { median: number; samples: number[] };
  boot_to_ready_ms: { median: number; samples: number[] };
  guest_kernel_to_agent_ms: { median: number; samples: number[] };
  cold_start_ms: { median: number; samples: number[] };
  /** `up` resuming the ready snapshot -> first invoke result (docs/cli/snapshot.md). */
  restored_start_ms: { median: number; samples: number[] };
  restore_to_ready_ms: { median: number; samples: number[] };
  warm_invoke_ms: { median: number; p95: number; min: number; max: number };
  fresh_invoke_ms: { median: number; p95: number; samples: number[] };
  warm_runner_in_guest_ms: { median: number; p95: number; samples: number[] };
  direct_runner_ms: { median: number; samples: number[] };
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1] as number;
}

/** bench/SPEC.md, one line per promise. */
export function checkSpec(f: Figures): string[] {
  const ratio = f.boot_to_ready_ms.median / f.bare_kernel_to_init_ms.median;
  const rows: [string, boolean, string][] = [
    ["boot to ready <= 1.2x bare kernel-to-init", ratio <= 1.2, `${ratio.toFixed(2)}x`],
    [
      "warm invoke p95 <= 2x its median (no outliers from the host path)",
      f.warm_invoke_ms.p95 <= 2 * f.warm_invoke_ms.median,
      `${f.warm_invoke_ms.p95.toFixed(0)} / ${f.warm_invoke_ms.median.toFixed(0)} ms`,
    ],
    [
      "warm invoke median <= 10% of the --fresh invoke median (warm runners)",
      f.warm_invoke_ms.median <= 0.1 * f.fresh_invoke_ms.median,
      `${f.warm_invoke_ms.median.toFixed(0)} / ${f.fresh_invoke_ms.median.toFixed(0)} ms`,
    ],
    [
      "restored start <= 25% of cold start (ready snapshots)",
      f.restored_start_ms.median <= 0.25 * f.cold_start_ms.median,
      `${f.restored_start_ms.median.toFixed(0)} / ${f.cold_start_ms.median.toFixed(0)} ms`,
    ],
  ];
  return [
    "SPEC.md promises:",
    ...rows.map(([what, ok, got]) => `  ${ok ? "met    " : "NOT MET"}  ${what}  (${got})`),
  ];
}
