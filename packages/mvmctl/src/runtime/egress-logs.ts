// `logs --egress`: everything that left an instance, merged by time — the egress proxy's decisions
// (bridge mode, egress.log) and the fetch broker's audit (every mode, fetch.log: web_fetch and
// web_search requests with the NAMES of the secrets released, never a value).
import { existsSync, statSync } from "node:fs";
import { readFrom, tailLines } from "./console-tail.js";
import { sleep } from "./proc.js";

function timeOf(line: string): string {
  try {
    const t = (JSON.parse(line) as { time?: unknown }).time;
    return typeof t === "string" ? t : "";
  } catch {
    return "";
  }
}

export interface MergedLogOptions {
  files: string[];
  lines: number;
  follow?: boolean;
  signal?: AbortSignal;
  /** Followed while this exists (the instance's console log goes away with the instance). */
  aliveMarker: string;
  write(line: string): void;
}

export async function mergedLogs(o: MergedLogOptions): Promise<void> {
  const offsets = o.files.map((f) => (existsSync(f) ? statSync(f).size : 0));
  const all: string[] = [];
  for (const f of o.files) all.push(...(await tailLines(f, o.lines)));
  // ISO times sort as text; a stable sort keeps each file's own order for equal times.
  const merged = all
    .map((l, i) => ({ l, i, t: timeOf(l) }))
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i));
  for (const { l } of merged.slice(Math.max(0, merged.length - o.lines))) o.write(l);
  if (!o.follow) return;
  const partial = o.files.map(() => "");
  while (!o.signal?.aborted && existsSync(o.aliveMarker)) {
    await sleep(200);
    for (const [i, f] of o.files.entries()) {
      const more = await readFrom(f, offsets[i] as number);
      if (!more) continue;
      offsets[i] = (offsets[i] as number) + Buffer.byteLength(more);
      const parts = ((partial[i] as string) + more).replace(/\r/g, "").split("\n");
      partial[i] = parts.pop() ?? "";
      for (const l of parts) o.write(l);
    }
  }
  for (const p of partial) if (p) o.write(p);
}
