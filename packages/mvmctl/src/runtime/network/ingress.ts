// `up`'s side of inbound port forwards (docs/adr/0011-port-forwards.md): resolve and check them
// before anything boots, then start the forwarder and hand QEMU its hostfwd rules and the guest
// relay's command line word.
import { MvmError } from "@mvm/ir/errors";
import type { Reporter } from "../../lib/progress.js";
import { listInstances } from "../instances.js";
import type { InstancePaths } from "../paths.js";
import { processAlive } from "../proc.js";
import { IngressBindError, startIngressForwarder, stopIngressForwarder } from "./ingress-process.js";
import {
  type ClaimedPort,
  checkForwardsFree,
  describeHolder,
  formatForward,
  freeLoopbackPort,
  isLoopback,
  type PortForwardSpec,
  type PortOverride,
  RELAY_PORT_BASE,
  relayCmdline,
  resolveForwards,
} from "./ports.js";

/** Host ports other instances forward (while their forwarder runs); `self` is skipped. */
export async function claimedPorts(home: string, self?: string): Promise<ClaimedPort[]> {
  const out: ClaimedPort[] = [];
  for (const s of await listInstances(home)) {
    const n = s.network;
    if (s.name === self || !n?.ports?.length || !n.forwarder_pid || !n.forwarder_config) continue;
    if (!processAlive(n.forwarder_pid, n.forwarder_config)) continue;
    for (const p of n.ports)
      out.push({ instance: s.name, mapping_id: p.mapping_id, host_addr: p.host_addr, host: p.host });
  }
  return out;
}

/**
 * Before boot: the instance's forwards (declared + overrides), refused when unsupported or when a
 * fixed host port is held. A non-loopback host address is allowed with a warning.
 */
export async function prepareForwards(
  home: string,
  name: string,
  networkMode: string | null,
  declared: unknown,
  overrides: readonly PortOverride[],
  r: Reporter,
): Promise<PortForwardSpec[]> {
  const forwards = resolveForwards(networkMode === "bridge" ? declared : [], overrides);
  for (const f of forwards) {
    if (!isLoopback(f.host_addr)) {
      r.warn(
        `port mapping "${f.mapping_id}" binds ${f.host_addr}, not loopback: other machines can reach ${formatForward(f)}`,
      );
    }
  }
  await checkForwardsFree(forwards, await claimedPorts(home, name));
  return forwards;
}

export interface StartedForwards {
  ports: PortForwardSpec[];
  forwarder_pid: number;
  forwarder_config: string;
  inbound_log: string;
  /** For the QEMU launch spec. */
  hostForwards: { hostPort: number; guestPort: number }[];
  cmdline: string[];
}

/** Starts the forwarder (it binds the host ports now: a race lost since the check is E_PORT_IN_USE too). */
export async function startForwards(
  home: string,
  name: string,
  forwards: PortForwardSpec[],
  paths: InstancePaths,
  r: Reporter,
): Promise<StartedForwards | undefined> {
  if (!forwards.length) return undefined;
  const hostForwards: { hostPort: number; guestPort: number }[] = [];
  for (let i = 0; i < forwards.length; i++)
    hostForwards.push({ hostPort: await freeLoopbackPort(), guestPort: RELAY_PORT_BASE + i });
  let started: Awaited<ReturnType<typeof startIngressForwarder>>;
  try {
    started = await startIngressForwarder(
      paths.ingressConfig,
      {
        listeners: forwards.map((f, i) => ({
          mapping_id: f.mapping_id,
          host_addr: f.host_addr,
          host: f.host,
          guest: f.guest,
          target_port: hostForwards[i]?.hostPort ?? 0,
        })),
        log: paths.inboundLog,
        ready: paths.ingressReady,
      },
      paths.ingressForwarderLog,
    );
  } catch (e) {
    if (!(e instanceof IngressBindError)) throw e;
    const f = forwards.find((x) => x.mapping_id === e.mapping_id);
    const claim = (await claimedPorts(home, name)).find((c) => c.host === f?.host);
    const holder = claim
      ? `already forwarded by mvm instance "${claim.instance}" (mapping "${claim.mapping_id}")`
      : e.code === "EADDRINUSE" && f
        ? describeHolder(f.host)
        : `not bindable (${e.code || e.message})`;
    throw new MvmError(
      "E_PORT_IN_USE",
      `port mapping "${e.mapping_id}": ${f ? `${f.host_addr}:${f.host}` : "its host port"} is ${holder}`,
      {
        hint: `stop the holder, or pick another host port: --port ${e.mapping_id}=PORT (0 picks a free one)`,
      },
    );
  }
  const ports = forwards.map((f) => ({
    ...f,
    host: started.bound.find((b) => b.mapping_id === f.mapping_id)?.host ?? f.host,
  }));
  r.step(`port forwards: ${ports.map(formatForward).join(", ")}`);
  return {
    ports,
    forwarder_pid: started.pid,
    forwarder_config: paths.ingressConfig,
    inbound_log: paths.inboundLog,
    hostForwards,
    cmdline: relayCmdline(forwards),
  };
}

export async function stopForwards(pid: number | undefined, config: string | undefined): Promise<void> {
  if (pid && config) await stopIngressForwarder(pid, config);
}
