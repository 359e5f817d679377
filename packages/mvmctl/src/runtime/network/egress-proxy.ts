// The host-side egress proxy of a bridge-mode instance (docs/adr/0008-egress-proxy.md). The guest's
// only route out is this proxy: it takes `CONNECT host:port` (tunnels, e.g. HTTPS) and plain HTTP
// requests in absolute-URI form, allows exactly the declared {host, port} pairs, refuses the rest
// with 403, and writes one JSON line per decision. Names are resolved here, on the host, once per
// request: every resolved address is checked against the egress policy (@mvm/ir/egress-policy:
// never loopback, private, link-local, metadata, ...) and the connection goes to exactly the
// address that was checked, so a second lookup cannot rebind it. The guest has no DNS. Only
// host:port (and the dialled address) is logged, never a path, query or header: those may carry
// secrets.
import { lookup as dnsLookup } from "node:dns/promises";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import {
  addressBytes,
  addressRefusal,
  type CanonicalHost,
  canonicalHost,
  isLoopback,
  nameRefusal,
} from "@mvm/ir/egress-policy";

export interface EgressRule {
  host: string;
  port: number;
}

export interface EgressDecision {
  time: string;
  decision: "allow" | "deny" | "error";
  /** CONNECT, or the HTTP method of a forwarded request; absent when the request was unreadable. */
  method?: string;
  host?: string;
  port?: number;
  /** The address an allowed request was dialled at (after the policy check). */
  address?: string;
  reason?: string;
}

export interface EgressProxyOptions {
  allowlist: readonly EgressRule[];
  /** Called once per decision (and once per upstream failure after an allow). */
  log(d: EgressDecision): void;
  /**
   * Static name -> IP address overrides, like curl's --resolve (MVM_EGRESS_RESOLVE). TEST-ONLY: the
   * name stays the policy key, only the address to dial changes, and this is the one way a dial
   * may reach loopback (an e2e test's local server). Any other forbidden address is refused here too.
   */
  resolve?: ReadonlyMap<string, string>;
  /** The resolver (default: the host's, via getaddrinfo, for the absolute name). Tests inject one. */
  lookup?: (name: string) => Promise<string[]>;
  /** Opens the upstream connection to a checked IP address (default net.connect). Tests inject one. */
  connect?: (address: string, port: number) => Socket;
  /** Upper bound on a request head (request line + headers + the empty line). */
  maxHeadBytes?: number;
  /** How long a client may take to send its whole request head. */
  headTimeoutMs?: number;
  /** A connection (either side of a tunnel, or an upstream still connecting) idle this long is closed. */
  idleTimeoutMs?: number;
  /** Concurrent guest connections; the next one gets 503. */
  maxConnections?: number;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** The canonical form rules and targets are compared in (lower case, IDNA, numeric IPv4 parsed). */
export function normalizeHost(host: string): string {
  return canonicalHost(host.trim())?.host ?? host.trim().toLowerCase();
}

export function isAllowed(allowlist: readonly EgressRule[], host: string, port: number): boolean {
  const h = canonicalHost(host)?.host;
  if (h === undefined) return false;
  return allowlist.some((r) => r.port === port && canonicalHost(r.host)?.host === h);
}

function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** "host:port" or "[v6]:port" (a CONNECT target); undefined when it is not exactly that. */
export function parseAuthority(a: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+):(\d+)$/.exec(a);
  if (!m?.[1] || !m[2]) return undefined;
  const port = parsePort(m[2]);
  const host = canonicalHost(m[1]);
  if (port === undefined || !host) return undefined;
  return { host: host.host, port };
}

/** A Host header value: host with an optional port (default `defaultPort`). */
function parseHostHeader(v: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::(\d+))?$/.exec(v);
  if (!m?.[1]) return undefined;
  const port = m[2] === undefined ? defaultPort : parsePort(m[2]);
  const host = canonicalHost(m[1]);
  if (port === undefined || !host) return undefined;
  return { host: host.host, port };
}

interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** Header lines as sent, without the request line and the final empty line. */
  headers: string[];
}

export function parseHead(head: string): RequestHead | undefined {
  const lines = head.split("\r\n");
  const first = lines.shift() ?? "";
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(first);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  for (const l of lines) if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(l)) return undefined;
  return { method: m[1], target: m[2], version: m[3], headers: lines };
}

/** Answers and closes; a client that keeps its side open is cut off shortly after. */
function reply(sock: Socket, status: number, text: string, body: string): void {
  const b = Buffer.from(`${body}\n`);
  sock.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n${b}`,
  );
  setTimeout(() => sock.destroy(), 2000).unref();
}

/** Headers meant for this proxy or for the client's connection to it are not passed on. */
const HOP_HEADERS = /^(proxy-connection|proxy-authorization|connection|keep-alive):/i;

type Target = { address: string } | { refused: string } | { failed: string };

const defaultLookup = async (name: string): Promise<string[]> =>
  (await dnsLookup(`${name}.`, { all: true, verbatim: true })).map((a) => a.address);

export function createEgressProxy(o: EgressProxyOptions): Server {
  const maxHead = o.maxHeadBytes ?? 16 * 1024;
  const headTimeout = o.headTimeoutMs ?? 10_000;
  const idleTimeout = o.idleTimeoutMs ?? 60_000;
  const maxConnections = o.maxConnections ?? 64;
  const lookup = o.lookup ?? defaultLookup;
  const connect = o.connect ?? ((address: string, port: number) => tcpConnect({ host: address, port }));
  const now = () => new Date().toISOString();
  const overrides = new Map<string, string>();
  for (const [name, address] of o.resolve ?? []) {
    const key = canonicalHost(name)?.host;
    if (key) overrides.set(key, address);
  }

  /** Resolves once and checks every address; the result is the one address to dial. */
  const resolveTarget = async (target: CanonicalHost): Promise<Target> => {
    const override = overrides.get(target.host);
    if (override !== undefined) {
      const b = addressBytes(override);
      if (!b) return { refused: `the test resolve override ${override} is not an IP address` };
      // The override is how tests reach a local server: loopback only, never another forbidden range.
      const reason = isLoopback(b) ? undefined : addressRefusal(b);
      return reason ? { refused: `resolves to ${override}: ${reason}` } : { address: override };
    }
    if (target.kind !== "name") {
      const reason = addressRefusal(target.bytes as Uint8Array);
      return reason ? { refused: `${target.host} is ${reason}` } : { address: target.host };
    }
    const byName = nameRefusal(target.host);
    if (byName) return { refused: `${target.host} is ${byName}` };
    let addresses: string[];
    let timer: NodeJS.Timeout | undefined;
    try {
      addresses = await Promise.race([
        lookup(target.host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("lookup timed out"), { code: "ETIMEDOUT" })),
            idleTimeout,
          );
        }),
      ]);
    } catch (e) {
      return { failed: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    } finally {
      clearTimeout(timer);
    }
    if (addresses.length === 0) return { failed: "ENOTFOUND" };
    for (const a of addresses) {
      const b = addressBytes(a);
      const reason = b ? addressRefusal(b) : "not an IP address";
      if (reason) return { refused: `resolves to ${a}: ${reason}` };
    }
    return { address: addresses[0] as string };
  };

  /** Connects upstream; on success runs `ready`, on failure answers 502/504 and logs the error. */
  const upstream = (
    client: Socket,
    method: string,
    host: string,
    port: number,
    address: string,
    ready: (up: Socket) => void,
  ): void => {
    const up = connect(address, port);
    let connected = false;
    const fail = (reason: string, status: number, text: string) => {
      o.log({ time: now(), decision: "error", method, host, port, address, reason });
      reply(client, status, text, `mvm egress proxy: cannot reach ${host}:${port} (${reason})`);
    };
    up.setTimeout(idleTimeout, () => {
      up.destroy();
      if (connected) client.destroy();
      else fail("connect timed out", 504, "Gateway Timeout");
    });
    client.setTimeout(idleTimeout, () => {
      client.destroy();
      up.destroy();
    });
    up.once("connect", () => {
      connected = true;
      ready(up);
    });
    up.on("error", (e: NodeJS.ErrnoException) => {
      if (connected) {
        client.destroy();
        return;
      }
      fail(e.code ?? e.message, 502, "Bad Gateway");
    });
    client.on("error", () => up.destroy());
    client.on("close", () => up.destroy());
    up.on("close", () => client.end());
  };

  const deny = (
    client: Socket,
    status: number,
    text: string,
    d: Omit<EgressDecision, "time" | "decision">,
    body = d.reason,
  ) => {
    o.log({ time: now(), decision: "deny", ...d });
    reply(client, status, text, `mvm egress proxy: ${body}`);
  };

  const handle = async (client: Socket, headBuf: Buffer, rest: Buffer): Promise<void> => {
    const head = parseHead(headBuf.toString("latin1"));
    if (!head) {
      deny(client, 400, "Bad Request", { reason: "malformed request" });
      return;
    }
    const method = head.method;
    let host: string;
    let port: number;
    if (method === "CONNECT") {
      const a = parseAuthority(head.target);
      if (!a) {
        deny(client, 400, "Bad Request", { method, reason: "malformed CONNECT target (send host:port)" });
        return;
      }
      ({ host, port } = a);
    } else {
      let url: URL;
      try {
        url = new URL(head.target);
      } catch {
        url = new URL("invalid:");
      }
      const h = canonicalHost(url.hostname);
      if (url.protocol !== "http:" || !h || url.username || url.password) {
        deny(client, 400, "Bad Request", {
          method,
          reason: "not an absolute http:// URI (send CONNECT host:port for anything else)",
        });
        return;
      }
      host = h.host;
      port = url.port ? Number(url.port) : 80;
      // The origin routes by Host: it must name the target that was checked, exactly once.
      const hosts = head.headers.filter((l) => /^host:/i.test(l));
      const hh = hosts.length === 1 ? parseHostHeader((hosts[0] as string).slice(5).trim(), 80) : undefined;
      if (!hh || hh.host !== host || hh.port !== port) {
        deny(client, 400, "Bad Request", {
          method,
          host,
          port,
          reason:
            hosts.length === 1
              ? "Host header does not match the request target"
              : "the request needs exactly one Host header",
        });
        return;
      }
    }
    if (!isAllowed(o.allowlist, host, port)) {
      deny(
        client,
        403,
        "Forbidden",
        { method, host, port, reason: "not declared" },
        `${host}:${port} is not in the workload's egress allowlist`,
      );
      return;
    }
    const target = await resolveTarget(canonicalHost(host) as CanonicalHost);
    if (client.destroyed) return;
    if ("refused" in target) {
      deny(client, 403, "Forbidden", { method, host, port, reason: target.refused });
      return;
    }
    if ("failed" in target) {
      o.log({ time: now(), decision: "error", method, host, port, reason: target.failed });
      reply(client, 502, "Bad Gateway", `mvm egress proxy: cannot resolve ${host} (${target.failed})`);
      return;
    }
    const { address } = target;
    o.log({ time: now(), decision: "allow", method, host, port, address });
    if (method === "CONNECT") {
      upstream(client, method, host, port, address, (up) => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (rest.length) up.write(rest);
        client.pipe(up);
        up.pipe(client);
      });
      return;
    }
    // One request per connection: the request is re-sent in origin form with Connection: close,
    // and everything after it flows raw to the same (allowed) upstream until either side closes.
    const url = new URL(head.target);
    const headers = head.headers.filter((h) => h !== "" && !HOP_HEADERS.test(h));
    const out = [`${method} ${url.pathname}${url.search} ${head.version}`, ...headers, "Connection: close"];
    upstream(client, method, host, port, address, (up) => {
      up.write(`${out.join("\r\n")}\r\n\r\n`);
      if (rest.length) up.write(rest);
      client.pipe(up);
      up.pipe(client);
    });
  };

  let active = 0;
  return createServer((client) => {
    client.on("error", () => client.destroy());
    if (active >= maxConnections) {
      o.log({ time: now(), decision: "deny", reason: `too many concurrent connections (${maxConnections})` });
      reply(client, 503, "Service Unavailable", "mvm egress proxy: too many concurrent connections");
      return;
    }
    active++;
    let buf = Buffer.alloc(0);
    let reading = true;
    const timer = setTimeout(() => {
      o.log({ time: now(), decision: "deny", reason: "request head timed out" });
      client.destroy();
    }, headTimeout);
    client.on("close", () => {
      active--;
      clearTimeout(timer);
    });
    const stop = () => {
      reading = false;
      client.off("data", onData);
      clearTimeout(timer);
    };
    const onData = (chunk: Buffer) => {
      if (!reading) return;
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf(CRLF2);
      // The cap applies to a complete head too, however it arrived (one write or many).
      if ((end < 0 ? buf.length : end + CRLF2.length) > maxHead) {
        stop();
        client.resume();
        deny(client, 431, "Request Header Fields Too Large", { reason: "request head too large" });
        return;
      }
      if (end < 0) return;
      stop();
      client.pause();
      handle(client, buf.subarray(0, end), buf.subarray(end + CRLF2.length)).catch((e: Error) => {
        o.log({ time: now(), decision: "error", reason: e.message });
        client.destroy();
      });
    };
    client.on("data", onData);
  });
}
