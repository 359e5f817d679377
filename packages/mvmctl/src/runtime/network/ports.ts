// Inbound port forwards (docs/adr/0011-port-forwards.md): which forwards an instance gets (the
// declared IR ports, with `up --port MAPPING=[ADDR:]PORT` overrides), what is refused before boot
// (udp, http/tls transforms, a host port held by another instance or process) and who holds a port.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { MvmError } from "@mvm/ir/errors";
import { z } from "zod";

/** One declared forward as launch.json serializes it (IR PortForward; image.json keeps it as written). */
const DeclaredPort = z.looseObject({
  mapping_id: z.string(),
  proto: z.string().default("tcp"),
  host_addr: z.string().default("127.0.0.1"),
  host: z.number().int(),
  guest_addr: z.string().default("127.0.0.1"),
  guest: z.number().int(),
  transform: z.string().default("opaque"),
});

/** What an instance forwards; recorded in state.json (network.ports) once the host ports are bound. */
export interface PortForwardSpec {
  mapping_id: string;
  proto: "tcp";
  host_addr: string;
  /** 0 until the forwarder bound it (an override of 0 asks for a free port). */
  host: number;
  guest: number;
  transform: "opaque";
}

export interface PortOverride {
  mapping_id: string;
  host_addr?: string;
  host: number;
}

/** Guest-side relay ports (agent/src/portfwd.c): above Linux's ephemeral range, one per forward. */
export const RELAY_PORT_BASE = 61000;

function usage(message: string): MvmError {
  return new MvmError("E_USAGE", message, {
    hint: "--port MAPPING=PORT or MAPPING=ADDR:PORT, e.g. --port web=8081 or --port web=0 (a free port)",
    exitCode: 2,
  });
}

/** `--port` values: "web=8081", "web=0", "web=127.0.0.2:8081". A mapping given twice is refused. */
export function parsePortOverrides(values: readonly string[]): PortOverride[] {
  const out: PortOverride[] = [];
  for (const v of values) {
    const m = /^([a-z][a-z0-9-]{0,62})=(?:([0-9.]+|\[[0-9a-fA-F:]+\]):)?(\d{1,5})$/.exec(v.trim());
    if (!m?.[1] || !m[3]) throw usage(`--port must look like MAPPING=PORT, got ${JSON.stringify(v)}`);
    const host = Number(m[3]);
    if (host > 65535) throw usage(`--port ${m[1]}: ${host} is not a port (0-65535)`);
    if (out.some((o) => o.mapping_id === m[1])) throw usage(`--port ${m[1]} is given twice`);
    const addr = m[2]?.replace(/^\[|\]$/g, "");
    out.push({ mapping_id: m[1], host, ...(addr ? { host_addr: addr } : {}) });
  }
  return out;
}

/**
 * The forwards of an instance: the manifest's declared ports with overrides applied. Refuses udp,
 * non-opaque transforms (never silently forwarded as opaque) and overrides of undeclared mappings.
 */
export function resolveForwards(declared: unknown, overrides: readonly PortOverride[]): PortForwardSpec[] {
  const list = z.array(DeclaredPort).safeParse(declared ?? []);
  if (!list.success) throw new MvmError("E_IMAGE_CORRUPT", "the image's network.ports cannot be read");
  const known = new Set(list.data.map((p) => p.mapping_id));
  for (const o of overrides) {
    if (!known.has(o.mapping_id)) {
      throw new MvmError(
        "E_PORT_MAPPING_UNKNOWN",
        `--port ${o.mapping_id}: the workload declares no port mapping "${o.mapping_id}"${known.size ? ` (it declares ${[...known].join(", ")})` : " (it declares none)"}`,
        { exitCode: 2 },
      );
    }
  }
  return list.data.map((p, i) => {
    const where = { path: `.apps[0].network.ports[${i}]` };
    if (p.proto !== "tcp") {
      throw new MvmError(
        "E_PORT_UNSUPPORTED",
        `port mapping "${p.mapping_id}": proto "${p.proto}" is not supported yet (only tcp is forwarded)`,
        where,
      );
    }
    if (p.transform !== "opaque") {
      throw new MvmError(
        "E_PORT_UNSUPPORTED",
        `port mapping "${p.mapping_id}": transform "${p.transform}" is not supported yet (only opaque byte forwarding)`,
        { ...where, hint: 'declare transform "opaque" (the default) and terminate HTTP/TLS in the guest' },
      );
    }
    if (p.guest_addr !== "127.0.0.1") {
      throw new MvmError(
        "E_PORT_UNSUPPORTED",
        `port mapping "${p.mapping_id}": guest_addr "${p.guest_addr}" is not supported (the guest side is its loopback)`,
        where,
      );
    }
    const o = overrides.find((x) => x.mapping_id === p.mapping_id);
    return {
      mapping_id: p.mapping_id,
      proto: "tcp",
      host_addr: o?.host_addr ?? p.host_addr,
      host: o ? o.host : p.host,
      guest: p.guest,
      transform: "opaque",
    };
  });
}

export function isLoopback(addr: string): boolean {
  return /^127\./.test(addr) || addr === "::1" || addr === "localhost";
}

/** `host_addr:host -> guest`, the one way forwards are shown (up, ps). */
export function formatForward(f: Pick<PortForwardSpec, "host_addr" | "host" | "guest">): string {
  const addr = f.host_addr.includes(":") ? `[${f.host_addr}]` : f.host_addr;
  return `${addr}:${f.host} -> ${f.guest}`;
}

/** Another instance's forward, as conflict detection sees it. */
export interface ClaimedPort {
  instance: string;
  mapping_id: string;
  host_addr: string;
  host: number;
}

function overlaps(a: string, b: string): boolean {
  const any = (x: string) => x === "0.0.0.0" || x === "::";
  return a === b || any(a) || any(b);
}

function inUse(f: PortForwardSpec, holder: string): MvmError {
  return new MvmError(
    "E_PORT_IN_USE",
    `port mapping "${f.mapping_id}": ${formatForward(f).split(" ->")[0]} is ${holder}`,
    {
      hint: `stop the holder, or pick another host port: \`mvmctl up ... --port ${f.mapping_id}=PORT\` (0 picks a free one)`,
    },
  );
}

/**
 * Before boot: each fixed host port must be free of other instances' forwards (named) and of every
 * other process (a trial bind; the holder named from /proc when it can be). Port 0 is never in use.
 */
export async function checkForwardsFree(forwards: PortForwardSpec[], claimed: ClaimedPort[]): Promise<void> {
  for (const f of forwards) {
    if (f.host === 0) continue;
    const c = claimed.find((x) => x.host === f.host && overlaps(x.host_addr, f.host_addr));
    if (c) throw inUse(f, `already forwarded by mvm instance "${c.instance}" (mapping "${c.mapping_id}")`);
    const err = await tryBind(f.host_addr, f.host);
    if (err === "EADDRINUSE" || err === "EACCES") {
      const who = err === "EACCES" ? "not bindable by this user (a privileged port)" : describeHolder(f.host);
      throw inUse(f, who);
    }
    if (err === "EADDRNOTAVAIL") {
      throw new MvmError(
        "E_PORT_IN_USE",
        `port mapping "${f.mapping_id}": ${f.host_addr} is not an address of this host`,
        { hint: `pick a local address: --port ${f.mapping_id}=127.0.0.1:${f.host}` },
      );
    }
    if (err) throw inUse(f, `not bindable (${err})`);
  }
}

/** The bind error code, or undefined when addr:port could be bound (and is released again). */
export function tryBind(addr: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen({ host: addr, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

/** A free loopback TCP port (bound, read, released): QEMU's hostfwd listens there. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * "in use by another process", naming it when /proc allows: the listening socket's inode from
 * /proc/net/tcp{,6}, then the process whose fd links to socket:[inode] (other users' fds only as root).
 */
export function describeHolder(port: number, procRoot = "/proc"): string {
  const holder = findHolder(port, procRoot);
  if (!holder) return "in use by another process";
  return `in use by another process (pid ${holder.pid}${holder.program ? `, ${holder.program}` : ""})`;
}

export function listeningInodes(table: string, port: number): string[] {
  const out: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    // st 0A = LISTEN; inode is column 9.
    if (!local || cols[3] !== "0A" || !cols[9]) continue;
    const hexPort = local.split(":").at(-1);
    if (hexPort && Number.parseInt(hexPort, 16) === port) out.push(cols[9]);
  }
  return out;
}

export function findHolder(port: number, procRoot = "/proc"): { pid: number; program?: string } | undefined {
  const inodes = new Set<string>();
  for (const t of ["tcp", "tcp6"]) {
    try {
      for (const i of listeningInodes(readFileSync(`${procRoot}/net/${t}`, "utf8"), port)) inodes.add(i);
    } catch {
      // no such table
    }
  }
  inodes.delete("0");
  if (!inodes.size) return undefined;
  let pids: string[] = [];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // gone, or another user's (not root)
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1] && inodes.has(m[1])) {
        let program: string | undefined;
        try {
          program = readFileSync(`${procRoot}/${pid}/comm`, "utf8").trim() || undefined;
        } catch {
          // raced with its exit
        }
        return { pid: Number(pid), ...(program ? { program } : {}) };
      }
    }
  }
  return undefined;
}

/** The kernel command line word that tells the guest's relay (agent/src/portfwd.c) what to splice. */
export function relayCmdline(forwards: readonly { guest: number }[]): string[] {
  if (!forwards.length) return [];
  return [`mvm.fwd=${forwards.map((f, i) => `${RELAY_PORT_BASE + i}-${f.guest}`).join(",")}`];
}
