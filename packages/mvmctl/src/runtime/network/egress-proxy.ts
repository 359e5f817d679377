// The host-side egress proxy of a bridge-mode instance (docs/adr/0008-egress-proxy.md). The guest's
// only route out is this proxy: it takes `CONNECT host:port` (tunnels, e.g. HTTPS) and plain HTTP
// requests in absolute-URI form, allows exactly the declared {host, port} pairs, refuses the rest
// with 403, and writes one JSON line per decision. Names are resolved here, on the host; the guest
// has no DNS. Only host:port is logged, never a path, query or header: those may carry secrets.
import { createServer, isIP, type Server, type Socket, connect as tcpConnect } from "node:net";

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
  reason?: string;
}

export interface EgressProxyOptions {
  allowlist: readonly EgressRule[];
  /** Called once per decision (and once per upstream failure after an allow). */
  log(d: EgressDecision): void;
  /**
   * Static name -> address overrides, like curl's --resolve: the name stays the policy key, only
   * the address to dial changes. Used by tests to point a declared name at a loopback server.
   */
  resolve?: ReadonlyMap<string, string>;
  /** Upper bound on a request head (request line + headers). */
  maxHeadBytes?: number;
  /** How long a client may take to send its request head. */
  headTimeoutMs?: number;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** Lower-case, without one trailing dot and without IPv6 brackets: the form rules are compared in. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".") && !isIP(h)) h = h.slice(0, -1);
  return h;
}

export function isAllowed(allowlist: readonly EgressRule[], host: string, port: number): boolean {
  const h = normalizeHost(host);
  return allowlist.some((r) => r.port === port && normalizeHost(r.host) === h);
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
  if (port === undefined) return undefined;
  return { host: normalizeHost(m[1]), port };
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

function reply(sock: Socket, status: number, text: string, body: string): void {
  const b = Buffer.from(`${body}\n`);
  sock.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n${b}`,
  );
}

/** Headers meant for this proxy or for the client's connection to it are not passed on. */
const HOP_HEADERS = /^(proxy-connection|proxy-authorization|connection|keep-alive):/i;

export function createEgressProxy(o: EgressProxyOptions): Server {
  const maxHead = o.maxHeadBytes ?? 16 * 1024;
  const headTimeout = o.headTimeoutMs ?? 10_000;
  const now = () => new Date().toISOString();

  const dial = (host: string, port: number): Socket => {
    const address = o.resolve?.get(normalizeHost(host)) ?? host;
    return tcpConnect({ host: address, port });
  };

  /** Connects upstream; on success runs `ready`, on failure answers 502 and logs the error. */
  const upstream = (
    client: Socket,
    method: string,
    host: string,
    port: number,
    ready: (up: Socket) => void,
  ): void => {
    const up = dial(host, port);
    let connected = false;
    up.once("connect", () => {
      connected = true;
      ready(up);
    });
    up.on("error", (e: NodeJS.ErrnoException) => {
      if (connected) {
        client.destroy();
        return;
      }
      o.log({ time: now(), decision: "error", method, host, port, reason: e.code ?? e.message });
      reply(
        client,
        502,
        "Bad Gateway",
        `mvm egress proxy: cannot reach ${host}:${port} (${e.code ?? "error"})`,
      );
    });
    client.on("error", () => up.destroy());
    client.on("close", () => up.destroy());
    up.on("close", () => client.end());
  };

  const handle = (client: Socket, headBuf: Buffer, rest: Buffer): void => {
    const head = parseHead(headBuf.toString("latin1"));
    if (!head) {
      o.log({ time: now(), decision: "deny", reason: "malformed request" });
      reply(client, 400, "Bad Request", "mvm egress proxy: malformed request");
      return;
    }
    let host: string;
    let port: number;
    if (head.method === "CONNECT") {
      const a = parseAuthority(head.target);
      if (!a) {
        o.log({ time: now(), decision: "deny", method: "CONNECT", reason: "malformed CONNECT target" });
        reply(client, 400, "Bad Request", "mvm egress proxy: CONNECT needs host:port");
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
      if (url.protocol !== "http:" || !url.hostname || url.username || url.password) {
        o.log({ time: now(), decision: "deny", method: head.method, reason: "not an absolute http:// URI" });
        reply(
          client,
          400,
          "Bad Request",
          "mvm egress proxy: send absolute http:// URIs, or CONNECT host:port for anything else",
        );
        return;
      }
      host = normalizeHost(url.hostname);
      port = url.port ? Number(url.port) : 80;
    }
    if (!isAllowed(o.allowlist, host, port)) {
      o.log({ time: now(), decision: "deny", method: head.method, host, port, reason: "not declared" });
      reply(
        client,
        403,
        "Forbidden",
        `mvm egress proxy: ${host}:${port} is not in the workload's egress allowlist`,
      );
      return;
    }
    o.log({ time: now(), decision: "allow", method: head.method, host, port });
    if (head.method === "CONNECT") {
      upstream(client, head.method, host, port, (up) => {
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
    const out = [
      `${head.method} ${url.pathname}${url.search} ${head.version}`,
      ...headers,
      "Connection: close",
    ];
    upstream(client, head.method, host, port, (up) => {
      up.write(`${out.join("\r\n")}\r\n\r\n`);
      if (rest.length) up.write(rest);
      client.pipe(up);
      up.pipe(client);
    });
  };

  return createServer((client) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      o.log({ time: now(), decision: "deny", reason: "request head timed out" });
      client.destroy();
    }, headTimeout);
    client.on("error", () => clearTimeout(timer));
    client.on("close", () => clearTimeout(timer));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        if (buf.length > maxHead) {
          client.off("data", onData);
          clearTimeout(timer);
          o.log({ time: now(), decision: "deny", reason: "request head too large" });
          reply(client, 431, "Request Header Fields Too Large", "mvm egress proxy: request head too large");
        }
        return;
      }
      client.off("data", onData);
      client.pause();
      clearTimeout(timer);
      handle(client, buf.subarray(0, end), buf.subarray(end + 4));
    };
    client.on("data", onData);
  });
}
