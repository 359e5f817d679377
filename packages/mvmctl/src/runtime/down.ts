// `down()`: agent shutdown (runs before_stop, syncs, powers off) -> wait -> QMP quit -> SIGTERM ->
// SIGKILL; then the instance dir is removed. A failed instance (VM already gone) is just cleaned.
// What the guest printed while stopping (before_stop's output) is passed to the reporter, since
// the console log goes away with the instance.
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isMvmError, MvmError } from "@mvm/ir/errors";
import type { Reporter } from "../lib/progress.js";
import { connectAgent } from "./agent/connect.js";
import { readFrom } from "./console-tail.js";
import { stopFetchBroker } from "./fetch/process.js";
import { instanceNames, readState, removeInstanceDir, requireState, writeState } from "./instances.js";
import { stopEgressProxy } from "./network/egress-process.js";
import { stopForwards } from "./network/ingress.js";
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
  const state = await readState(o.home, o.name).catch((e: unknown) => {
    if (isMvmError(e) && e.code === "E_INSTANCE_STATE_CORRUPT") return e;
    throw e;
  });
  if (state instanceof MvmError) return downUnreadable(o, state);
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
  if (state.fetch) await stopFetchBroker(state.fetch.broker_pid, instancePaths(o.home, o.name).fetchConfig);
  await stopForwards(net?.forwarder_pid, net?.forwarder_config);
  await removeInstanceDir(o.home, o.name);
  return { name: o.name, how };
}

/**
 * state.json cannot be read (torn, edited, or written by an mvmctl of another format): stop what
 * still runs for the instance and remove it anyway, as the E_INSTANCE_STATE_CORRUPT hint promises.
 * Only the pids come from the file; a process is signalled only if its command line names this
 * instance's own qmp.sock or egress.json (the store's paths), so a garbage pid cannot hit another.
 */
async function downUnreadable(o: DownOptions, why: MvmError): Promise<DownResult> {
  const paths = instancePaths(o.home, o.name);
  o.reporter.warn(`${why.message}; removing it without its state`);
  const raw = (await readFile(paths.state, "utf8")
    .then((t) => JSON.parse(t) as unknown)
    .catch(() => undefined)) as
    | { pid?: unknown; network?: { proxy_pid?: unknown; forwarder_pid?: unknown } }
    | undefined;
  const pid = typeof raw?.pid === "number" ? raw.pid : undefined;
  const proxyPid = typeof raw?.network?.proxy_pid === "number" ? raw.network.proxy_pid : undefined;
  let how: StopHow = "not-running";
  if (pid && processAlive(pid, paths.qmpSocket)) {
    const stopped = await new QemuDriver(safeQemu()).stop(pid, paths.qmpSocket, { graceMs: 0 });
    how = stopped === "exited" ? "shutdown" : stopped;
  }
  if (proxyPid) await stopEgressProxy(proxyPid, paths.egressConfig);
  const brokerPid = (raw as { fetch?: { broker_pid?: unknown } } | undefined)?.fetch?.broker_pid;
  if (typeof brokerPid === "number") await stopFetchBroker(brokerPid, paths.fetchConfig);
  const fwdPid = raw?.network?.forwarder_pid;
  if (typeof fwdPid === "number") await stopForwards(fwdPid, paths.ingressConfig);
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
  // Unreadable instances too (down cleans them without their state); a dir without state.json
  // may be an `up` still starting, so it is left alone.
  for (const name of await instanceNames(o.home)) {
    if (!existsSync(instancePaths(o.home, name).state)) continue;
    out.push(await down({ ...o, name }));
  }
  return out;
}
