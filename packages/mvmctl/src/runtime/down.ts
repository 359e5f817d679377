// `down()`: agent shutdown (runs before_stop, syncs, powers off) -> wait -> QMP quit -> SIGTERM ->
// SIGKILL; then the instance dir is removed. A failed instance (VM already gone) is just cleaned.
// What the guest printed while stopping (before_stop's output) is passed to the reporter, since
// the console log goes away with the instance.
import { existsSync, statSync } from "node:fs";
import type { Reporter } from "../lib/progress.js";
import { connectAgent } from "./agent/connect.js";
import { readFrom } from "./console-tail.js";
import { listInstances, readState, removeInstanceDir, requireState, writeState } from "./instances.js";
import { stopEgressProxy } from "./network/egress-process.js";
import { instancePaths } from "./paths.js";
import { processAlive } from "./proc.js";
import { findQemu, QemuDriver } from "./vmm/qemu.js";

export interface DownOptions {
  home: string;
  name: string;
  /** Time the guest gets for before_stop and power-off before QEMU is asked to quit. */
  graceMs?: number;
  reporter: Reporter;
}

export type StopHow = "shutdown" | "quit" | "killed" | "not-running";

export interface DownResult {
  name: string;
  how: StopHow;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export async function down(o: DownOptions): Promise<DownResult> {
  const r = o.reporter;
  const graceMs = o.graceMs ?? 10_000;
  // Before anything is read or removed: a hostile name never reaches rm (instanceDir checks again).
  const dir = instancePaths(o.home, o.name).dir;
  const state = await readState(o.home, o.name);
  if (!state) {
    // An `up` that died between creating the dir and writing state.json leaves a dir only.
    if (existsSync(dir)) {
      await removeInstanceDir(o.home, o.name);
      return { name: o.name, how: "not-running" };
    }
    await requireState(o.home, o.name); // throws E_INSTANCE_NOT_FOUND
    return { name: o.name, how: "not-running" };
  }
  const alive = () => processAlive(state.pid, state.qmp_socket);
  let how: StopHow = "not-running";
  if (alive()) {
    await writeState(o.home, { ...state, status: "stopping" });
    const consoleStart = fileSize(state.console_log);
    r.step(`stopping ${o.name}`);
    let asked = false;
    try {
      const agent = await connectAgent(state.agent_socket, { deadline: Date.now() + 3000, alive });
      try {
        await agent.hello();
        // The agent replies after before_stop has run, just before it powers off.
        await agent.shutdown(graceMs);
        asked = true;
      } finally {
        agent.close();
      }
    } catch (e) {
      r.warn(
        `the agent did not take the shutdown (${e instanceof Error ? e.message : String(e)}); stopping the VM`,
      );
    }
    const stopped = await new QemuDriver(safeQemu()).stop(state.pid, state.qmp_socket, {
      graceMs: asked ? graceMs : 0,
    });
    how = stopped === "exited" ? "shutdown" : stopped;
    for (const line of shutdownLines(await readFrom(state.console_log, consoleStart))) r.log(line);
  }
  // After the VM: the guest keeps its egress until it is gone, never longer.
  const net = state.network;
  if (net?.proxy_pid && net.proxy_config) await stopEgressProxy(net.proxy_pid, net.proxy_config);
  await removeInstanceDir(o.home, o.name);
  return { name: o.name, how };
}

/**
 * What the guest printed while stopping, minus the noise: kernel messages and the agent's own
 * connection bookkeeping. before_stop's output and the agent's shutdown steps stay.
 */
export function shutdownLines(text: string): string[] {
  return text
    .replace(/\r/g, "")
    .split("\n")
    .filter(
      (l) => l.trim() !== "" && !/^\[\s*\d+\.\d+\]/.test(l) && !/\] host (dis)?connected (on|from) /.test(l),
    );
}

/** The driver only needs the binary to start VMs; stopping works without it. */
function safeQemu(): string {
  try {
    return findQemu();
  } catch {
    return "qemu-system-x86_64";
  }
}

export async function downAll(o: Omit<DownOptions, "name">): Promise<DownResult[]> {
  const out: DownResult[] = [];
  for (const s of await listInstances(o.home)) {
    if (!(await readState(o.home, s.name))) continue;
    out.push(await down({ ...o, name: s.name }));
  }
  return out;
}
