// `ps()`: every instance with its status corrected by liveness (a dead VM shows as failed).
import { type InstanceState, listInstances } from "./instances.js";

export interface PsRow {
  name: string;
  workload: string;
  status: InstanceState["status"];
  accel: string;
  cpus: number;
  memory_mb: number;
  uptime_ms: number;
  boot_ms: number | null;
  pid: number;
  digest: string;
  network: { mode: string; egress: { host: string; port: number }[] };
  /** Inbound port forwards, each shown as `host_addr:host -> guest` in the table. */
  ports: { mapping_id: string; host_addr: string; host: number; guest: number }[];
  /** The snapshot key of its machine, whether it was restored and from which snapshot (null: older instance). */
  snapshot: { key: string; restored: boolean; id?: string } | null;
  error?: string;
}

export async function ps(home: string, now = Date.now()): Promise<PsRow[]> {
  return (await listInstances(home)).map((s) => ({
    name: s.name,
    workload: s.workload_id,
    status: s.status,
    accel: s.accel,
    cpus: s.cpus,
    memory_mb: s.memory_mb,
    uptime_ms: s.status === "failed" ? 0 : Math.max(0, now - Date.parse(s.started_at)),
    boot_ms: s.boot_ms,
    pid: s.pid,
    digest: s.digest,
    network: { mode: s.network?.mode ?? "none", egress: s.network?.egress ?? [] },
    ports: (s.network?.ports ?? []).map((p) => ({
      mapping_id: p.mapping_id,
      host_addr: p.host_addr,
      host: p.host,
      guest: p.guest,
    })),
    snapshot: s.snapshot ?? null,
    ...(s.error ? { error: s.error } : {}),
  }));
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatPsTable(rows: PsRow[]): string {
  const head = ["NAME", "WORKLOAD", "STATUS", "ACCEL", "CPUS", "MEMORY", "UPTIME", "PORTS", "START"];
  const body = rows.map((r) => [
    r.name,
    r.workload,
    r.status,
    r.accel,
    String(r.cpus),
    `${r.memory_mb}M`,
    r.status === "failed" ? "-" : formatUptime(r.uptime_ms),
    (r.ports ?? []).map((p) => `${p.host_addr}:${p.host}->${p.guest}`).join(",") || "-",
    r.snapshot ? (r.snapshot.restored ? "restored" : "cold") : "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  return [head, ...body]
    .map((cols) =>
      cols
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
