// The host half of inbound port forwards (docs/adr/0011-port-forwards.md): one TCP listener per
// forward on its declared host address, each accepted connection spliced to QEMU's hostfwd on a
// loopback port (which carries it to the guest's relay, agent/src/portfwd.c), and one log line per
// finished connection: time, peer, mapping, bytes in and out. Opaque: bytes are never read.
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface ForwardListener {
  mapping_id: string;
  host_addr: string;
  /** 0: any free port (the bound one is reported by listen()). */
  host: number;
  guest: number;
  /** QEMU's hostfwd port on 127.0.0.1 for this forward. */
  target_port: number;
  target_host?: string;
}

export interface InboundRecord {
  /** When the connection was accepted (ISO 8601). */
  time: string;
  mapping_id: string;
  peer: string;
  host: string;
  guest: number;
  /** Bytes from the peer into the guest, and back out. */
  bytes_in: number;
  bytes_out: number;
  duration_ms: number;
  /** Set when the guest side could not be reached or the connection broke. */
  error?: string;
}

export interface BoundForward {
  mapping_id: string;
  host_addr: string;
  host: number;
}

export interface ForwarderOptions {
  listeners: ForwardListener[];
  log(r: InboundRecord): void;
  /** Connections open at once, across all forwards; more are closed at once. */
  maxConnections?: number;
}

export interface Forwarder {
  /** Binds every listener; rejects with the first bind error (its code and mapping_id attached). */
  listen(): Promise<BoundForward[]>;
  close(): Promise<void>;
}

function addr(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createForwarder(o: ForwarderOptions): Forwarder {
  const servers: Server[] = [];
  const open = new Set<Socket>();
  const max = o.maxConnections ?? 256;

  const handle = (l: ForwardListener, bound: BoundForward, client: Socket) => {
    const t0 = Date.now();
    const peer = addr(client.remoteAddress ?? "?", client.remotePort ?? 0);
    if (open.size >= max) {
      client.destroy();
      o.log({
        time: new Date(t0).toISOString(),
        mapping_id: l.mapping_id,
        peer,
        host: addr(bound.host_addr, bound.host),
        guest: l.guest,
        bytes_in: 0,
        bytes_out: 0,
        duration_ms: 0,
        error: `too many connections (${max})`,
      });
      return;
    }
    open.add(client);
    const guest = createConnection({ host: l.target_host ?? "127.0.0.1", port: l.target_port });
    let bytesIn = 0;
    let bytesOut = 0;
    let error: string | undefined;
    let closed = 0;
    const done = () => {
      if (++closed < 2) return;
      open.delete(client);
      o.log({
        time: new Date(t0).toISOString(),
        mapping_id: l.mapping_id,
        peer,
        host: addr(bound.host_addr, bound.host),
        guest: l.guest,
        bytes_in: bytesIn,
        bytes_out: bytesOut,
        duration_ms: Date.now() - t0,
        ...(error ? { error } : {}),
      });
    };
    client.on("data", (d: Buffer) => {
      bytesIn += d.length;
    });
    guest.on("data", (d: Buffer) => {
      bytesOut += d.length;
    });
    // pipe() keeps half-close: the peer's FIN ends the guest side's writes and back.
    client.pipe(guest);
    guest.pipe(client);
    const fail = (what: string) => (e: Error) => {
      error ??= `${what}: ${(e as NodeJS.ErrnoException).code ?? e.message}`;
      client.destroy();
      guest.destroy();
    };
    client.on("error", fail("peer"));
    guest.on("error", fail("guest"));
    client.on("close", () => {
      guest.destroy();
      done();
    });
    guest.on("close", () => {
      // Wait for the peer to have been written everything before tearing it down.
      if (client.writableFinished || client.destroyed) client.destroy();
      else client.end();
      done();
    });
  };

  return {
    async listen() {
      const bound: BoundForward[] = [];
      for (const l of o.listeners) {
        const b: BoundForward = { mapping_id: l.mapping_id, host_addr: l.host_addr, host: l.host };
        const s = createServer({ allowHalfOpen: true }, (c) => handle(l, b, c));
        servers.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once("error", (e: NodeJS.ErrnoException) => {
            Object.assign(e, { mapping_id: l.mapping_id });
            reject(e);
          });
          s.listen({ host: l.host_addr, port: l.host, exclusive: true }, () => {
            const a = s.address();
            if (a && typeof a === "object") b.host = a.port;
            resolve();
          });
        });
        bound.push(b);
      }
      return bound;
    },
    async close() {
      const closing = servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r())));
      for (const c of open) c.destroy();
      await Promise.all(closing);
    },
  };
}
