// `logs()`: the guest console (kernel messages, mvm-init and agent lines, hook output), last N
// lines, optionally followed until the instance goes away or the caller aborts.
import { existsSync, statSync } from "node:fs";
import { readFrom, tailLines } from "./console-tail.js";
import { requireState } from "./instances.js";
import { sleep } from "./proc.js";

export interface LogsOptions {
  home: string;
  name: string;
  lines: number;
  follow?: boolean;
  signal?: AbortSignal;
  write(line: string): void;
}

export async function logs(o: LogsOptions): Promise<void> {
  const state = await requireState(o.home, o.name);
  const path = state.console_log;
  let offset = existsSync(path) ? statSync(path).size : 0;
  for (const l of await tailLines(path, o.lines)) o.write(l);
  if (!o.follow) return;
  let partial = "";
  while (!o.signal?.aborted && existsSync(path)) {
    await sleep(200);
    const more = await readFrom(path, offset);
    if (!more) continue;
    offset += Buffer.byteLength(more);
    const text = (partial + more).replace(/\r/g, "");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    for (const l of parts) o.write(l);
  }
  if (partial) o.write(partial);
}
