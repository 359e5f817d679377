// `logs()`: the guest console (kernel messages, mvm-init and agent lines, hook output) or, with
// `egress`, the egress proxy's decision log; last N lines, optionally followed until the instance
// goes away or the caller aborts.
import { existsSync, statSync } from "node:fs";
import { MvmError } from "@mvm/ir/errors";
import { readFrom, tailLines } from "./console-tail.js";
import { mergedLogs } from "./egress-logs.js";
import { requireState } from "./instances.js";
import { instancePaths } from "./paths.js";
import { sleep } from "./proc.js";

export interface LogsOptions {
  home: string;
  name: string;
  /** The egress proxy's decision log (bridge mode) instead of the console. */
  egress?: boolean;
  /** The port forwarder's inbound connection log (time, peer, mapping, bytes in/out). */
  inbound?: boolean;
  lines: number;
  follow?: boolean;
  signal?: AbortSignal;
  write(line: string): void;
}

export async function logs(o: LogsOptions): Promise<void> {
  const state = await requireState(o.home, o.name);
  if (o.egress && state.fetch) {
    // Every instance since the fetch broker: the proxy's decisions (bridge) merged with its audit.
    const p = instancePaths(o.home, o.name);
    const files = [...(state.network?.egress_log ? [p.egressLog] : []), p.fetchLog];
    return mergedLogs({ ...o, files, aliveMarker: p.consoleLog });
  }
  if (o.egress && !state.network?.egress_log) {
    throw new MvmError("E_NO_EGRESS_LOG", `instance "${o.name}" has no egress log (network mode none)`, {
      hint: 'only network mode "bridge" has an egress proxy',
    });
  }
  if (o.inbound && !state.network?.inbound_log) {
    throw new MvmError("E_NO_INBOUND_LOG", `instance "${o.name}" has no inbound log (it forwards no ports)`);
  }
  // The store's own paths, not the ones state.json names: what logs reads stays in the instance dir.
  const paths = instancePaths(o.home, o.name);
  const path = o.inbound ? paths.inboundLog : o.egress ? paths.egressLog : paths.consoleLog;
  let offset = existsSync(path) ? statSync(path).size : 0;
  for (const l of await tailLines(path, o.lines)) o.write(l);
  if (!o.follow) return;
  let partial = "";
  // Followed until the instance goes away (its console log goes with it).
  while (!o.signal?.aborted && existsSync(paths.consoleLog)) {
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
