// The per-instance fetch broker (docs/fetch.md): the host side of mvm.web_fetch / mvm.web_search.
// QEMU connects each guest port (virtio-serial "mvm.fetch.N") to this server's unix socket; each
// connection carries newline-framed JSON requests (protocol.ts), answered by id, concurrently.
// For every request: grants (the workload's egress allowlist and its secrets' hosts), secret
// release (release.ts), the egress policy on every resolved address, a dial to the checked
// address with TLS verified for the URL's host (upstream.ts), caps, redaction, and one audit line.
import { createServer, type Server, type Socket } from "node:net";
import type { FetchBrokerConfig } from "./config.js";
import {
  type BrokerRequest,
  FetchFailure,
  type FetchRequest,
  HEADER_VALUE,
  LineSplitter,
  lineId,
  MAX_LINE,
  parseRequest,
  type SearchRequest,
} from "./protocol.js";
import { planRelease, redactBytes, redactText, substitute } from "./release.js";
import { normaliseResults, searchUrl } from "./search.js";
import { checkGrant, type Lookup, parseTarget, resolveTarget, send } from "./upstream.js";

/** One audit line. Never a secret value, header, query string or body. */
export interface FetchAudit {
  time: string;
  source: "fetch";
  instance: string;
  op: "fetch" | "search";
  decision: "allow" | "deny" | "error";
  method?: string;
  host?: string;
  port?: number;
  /** The URL path without its query (a query may carry credentials). */
  path?: string;
  address?: string;
  status?: number;
  bytes_out?: number;
  bytes_in?: number;
  /** Names of the secrets whose values were sent (never the values). */
  released?: string[];
  code?: string;
  reason?: string;
  ms?: number;
}

export interface BrokerOptions {
  config: FetchBrokerConfig;
  /** Reads a secret's value from the store (secrets/store.ts readSecret), at request time. */
  readSecret(name: string): Promise<Buffer>;
  audit(a: FetchAudit): void;
  /** Extra trusted CAs (PEM). */
  ca?: string;
  lookup?: Lookup;
  /** Requests in flight across all ports; the next one is refused (E_FETCH_UNAVAILABLE). */
  maxConcurrent?: number;
}

type Reply = Record<string, unknown>;

export function createBroker(o: BrokerOptions): Server & { handle(v: unknown): Promise<Reply> } {
  const cfg = o.config;
  const maxConcurrent = o.maxConcurrent ?? 8;
  const secretHosts = new Set(Object.values(cfg.tokens).flatMap((g) => g.hosts));
  let inFlight = 0;

  const readValues = async (names: readonly string[]): Promise<Map<string, Buffer>> => {
    const values = new Map<string, Buffer>();
    for (const name of names) {
      try {
        values.set(name, await o.readSecret(name));
      } catch {
        throw new FetchFailure(
          "E_FETCH_DENIED",
          `secret "${name}" is not in the host's store (mvmctl secret put ${name})`,
        );
      }
    }
    return values;
  };

  const doFetch = async (r: FetchRequest, a: FetchAudit): Promise<Reply> => {
    const deadline = Date.now() + r.timeoutMs;
    const t = parseTarget(r.url);
    Object.assign(a, { method: r.method, host: t.host, port: t.port, path: t.url.pathname.slice(0, 256) });
    checkGrant(t, cfg.egress, secretHosts);
    const plan = planRelease(r.headers, cfg.tokens, t.host, t.https);
    const dial = await resolveTarget(t.host, t.port, cfg.resolve, o.lookup, deadline);
    a.address = dial.address;
    const values = await readValues(plan.names);
    const headers = substitute(r.headers, cfg.tokens, values);
    if (plan.names.length) a.released = plan.names;
    a.bytes_out = r.body?.length ?? 0;
    const res = await send({
      target: t,
      dial,
      method: r.method,
      headers,
      ...(r.body ? { body: r.body } : {}),
      deadline,
      ...(o.ca ? { ca: o.ca } : {}),
    });
    const body = redactBytes(res.body, values);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) out[k] = redactText(v, values);
    a.status = res.status;
    a.bytes_in = res.body.length;
    return { ok: true, status: res.status, headers: out, body: body.toString("base64") };
  };

  const doSearch = async (r: SearchRequest, a: FetchAudit): Promise<Reply> => {
    const s = cfg.search;
    if (!s)
      throw new FetchFailure(
        "E_FETCH_UNAVAILABLE",
        "no search provider is configured on the host (MVM_SEARCH_URL at `mvmctl up`)",
      );
    const deadline = Date.now() + r.timeoutMs;
    const t = parseTarget(searchUrl(s.url, r.query, r.limit));
    Object.assign(a, { method: "GET", host: t.host, port: t.port, path: t.url.pathname.slice(0, 256) });
    if (!t.https) throw new FetchFailure("E_FETCH_DENIED", "the search provider must be https");
    const dial = await resolveTarget(t.host, t.port, cfg.resolve, o.lookup, deadline);
    a.address = dial.address;
    const values = await readValues(s.keySecret ? [s.keySecret] : []);
    const headers: [string, string][] = [["accept", "application/json"]];
    if (s.keySecret) {
      const key = (values.get(s.keySecret) as Buffer).toString("latin1");
      if (!HEADER_VALUE.test(key))
        throw new FetchFailure(
          "E_FETCH_UNAVAILABLE",
          `secret "${s.keySecret}" cannot be sent in a header (CR, LF, NUL or other control bytes)`,
        );
      headers.push([s.keyHeader, s.keyFormat.replace("{key}", () => key)]);
      a.released = [s.keySecret];
    }
    const res = await send({
      target: t,
      dial,
      method: "GET",
      headers,
      deadline,
      ...(o.ca ? { ca: o.ca } : {}),
    });
    a.status = res.status;
    a.bytes_in = res.body.length;
    if (res.status < 200 || res.status > 299)
      throw new FetchFailure("E_FETCH_UPSTREAM", `the search provider answered HTTP ${res.status}`);
    const results = normaliseResults(redactBytes(res.body, values), r.limit);
    return { ok: true, results };
  };

  const handle = async (v: unknown): Promise<Reply> => {
    const id = lineId(v) ?? null;
    const started = Date.now();
    const a: FetchAudit = {
      time: new Date().toISOString(),
      source: "fetch",
      instance: cfg.instance,
      op: "fetch",
      decision: "allow",
    };
    if (inFlight >= maxConcurrent) {
      a.decision = "deny";
      a.code = "E_FETCH_UNAVAILABLE";
      a.reason = `over ${maxConcurrent} concurrent requests`;
      o.audit(a);
      return {
        id,
        ok: false,
        code: a.code,
        message: `the broker is busy (${maxConcurrent} requests in flight); retry`,
      };
    }
    inFlight++;
    try {
      const r: BrokerRequest = parseRequest(v);
      a.op = r.op;
      const reply = r.op === "fetch" ? await doFetch(r, a) : await doSearch(r, a);
      return { id, ...reply };
    } catch (e) {
      const f =
        e instanceof FetchFailure
          ? e
          : new FetchFailure("E_FETCH_UPSTREAM", `internal: ${e instanceof Error ? e.message : String(e)}`);
      a.decision = f.code === "E_FETCH_DENIED" || f.code === "E_FETCH_INVALID" ? "deny" : "error";
      a.code = f.code;
      a.reason = f.message;
      return { id, ok: false, code: f.code, message: f.message };
    } finally {
      inFlight--;
      a.ms = Date.now() - started;
      o.audit(a);
    }
  };

  const onConnection = (sock: Socket) => {
    const write = (reply: Reply) => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(reply)}\n`);
    };
    const splitter = new LineSplitter(
      MAX_LINE,
      (line) => {
        let v: unknown;
        try {
          v = JSON.parse(line.toString("utf8"));
        } catch {
          return; // a torn frame (its writer was killed) or noise: dropped, the next line is clean
        }
        void handle(v).then(write);
      },
      () =>
        write({
          id: null,
          ok: false,
          code: "E_FETCH_TOO_LARGE",
          message: `a request line is over ${MAX_LINE} bytes`,
        }),
    );
    sock.on("data", (c: Buffer) => splitter.push(c));
    sock.on("error", () => sock.destroy());
  };

  const server = createServer(onConnection) as Server & { handle(v: unknown): Promise<Reply> };
  server.handle = handle;
  return server;
}
