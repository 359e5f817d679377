// One outbound request from the host: target check, resolution with the egress policy, a dial to
// exactly the checked address, TLS verified against the URL's host name, caps on time and size.
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { addressBytes, addressRefusal, canonicalHost, isLoopback, nameRefusal } from "@mvm/ir/egress-policy";
import type { FetchGrant, FetchResolve } from "./config.js";
import { FetchFailure, MAX_RESPONSE_BODY } from "./protocol.js";

export interface Target {
  url: URL;
  https: boolean;
  /** Canonical host (lower case, IDNA, IPv6 without brackets). */
  host: string;
  port: number;
  /** The path and query sent upstream. */
  path: string;
}

/** Parses and canonicalises a guest URL: http(s) only, no credentials, a real host. */
export function parseTarget(raw: string): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchFailure("E_FETCH_INVALID", "url is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new FetchFailure(
      "E_FETCH_DENIED",
      `scheme ${url.protocol} is not allowed (https, or http to a granted host:port)`,
    );
  if (url.username || url.password)
    throw new FetchFailure(
      "E_FETCH_INVALID",
      "credentials in the URL are not accepted; use a header with a secret token",
    );
  const host = canonicalHost(url.hostname)?.host;
  if (!host) throw new FetchFailure("E_FETCH_INVALID", "url has no valid host");
  const https = url.protocol === "https:";
  const port = url.port ? Number(url.port) : https ? 443 : 80;
  return { url, https, host, port, path: `${url.pathname}${url.search}` };
}

/**
 * The workload's grants. https: a declared egress host:port, or port 443 of a host named in a
 * secret's hosts. http: only an exactly declared egress host:port (and no secret is released over
 * it: release.ts). Everything else is E_FETCH_DENIED.
 */
export function checkGrant(t: Target, egress: readonly FetchGrant[], secretHosts: ReadonlySet<string>): void {
  const declared = egress.some((g) => g.port === t.port && canonicalHost(g.host)?.host === t.host);
  if (declared) return;
  if (t.https && t.port === 443 && secretHosts.has(t.host)) return;
  throw new FetchFailure(
    "E_FETCH_DENIED",
    `${t.https ? "https" : "http"}://${t.host}:${t.port} is not granted to this workload`,
  );
}

export type Lookup = (name: string) => Promise<string[]>;

const defaultLookup: Lookup = async (name) =>
  (await dnsLookup(`${name}.`, { all: true, verbatim: true })).map((a) => a.address);

/**
 * The one address (and port) to dial for host:port: an override (loopback allowed there only), a
 * checked literal, or a name resolved once with every address checked. No second lookup happens.
 */
export async function resolveTarget(
  host: string,
  port: number,
  overrides: readonly FetchResolve[],
  lookup: Lookup = defaultLookup,
  deadline: number = Date.now() + 10_000,
): Promise<{ address: string; port: number }> {
  const o = overrides.find((r) => r.host === host && r.port === port);
  if (o) {
    const b = addressBytes(o.address);
    if (!b)
      throw new FetchFailure("E_FETCH_DENIED", `the resolve override ${o.address} is not an IP address`);
    const reason = isLoopback(b) ? undefined : addressRefusal(b);
    if (reason) throw new FetchFailure("E_FETCH_DENIED", `${host} resolves to ${o.address}: ${reason}`);
    return { address: o.address, port: o.dialPort ?? port };
  }
  const c = canonicalHost(host);
  if (!c) throw new FetchFailure("E_FETCH_INVALID", "not a host");
  if (c.kind !== "name") {
    const reason = addressRefusal(c.bytes as Uint8Array);
    if (reason) throw new FetchFailure("E_FETCH_DENIED", `${host} is ${reason}`);
    return { address: c.host, port };
  }
  const byName = nameRefusal(c.host);
  if (byName) throw new FetchFailure("E_FETCH_DENIED", `${host} is ${byName}`);
  let addresses: string[];
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      lookup(c.host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new FetchFailure("E_FETCH_TIMEOUT", `resolving ${host} timed out`)),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]);
  } catch (e) {
    if (e instanceof FetchFailure) throw e;
    throw new FetchFailure(
      "E_FETCH_UPSTREAM",
      `cannot resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) throw new FetchFailure("E_FETCH_UPSTREAM", `cannot resolve ${host}`);
  for (const a of addresses) {
    const b = addressBytes(a);
    const reason = b ? addressRefusal(b) : "not an IP address";
    if (reason) throw new FetchFailure("E_FETCH_DENIED", `${host} resolves to ${a}: ${reason}`);
  }
  return { address: addresses[0] as string, port };
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Headers the broker owns: framing, hop-by-hop, proxying, and the encoding it must be able to read. */
const DROP_REQUEST = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept-encoding",
  "proxy-authorization",
  "proxy-connection",
]);
const DROP_RESPONSE = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
]);

export interface SendOptions {
  target: Target;
  dial: { address: string; port: number };
  method: string;
  headers: readonly [string, string][];
  body?: Buffer;
  deadline: number;
  /** Extra trusted CAs (PEM), on top of the system roots. */
  ca?: string;
  maxBody?: number;
}

/** Reads a response body through its content-encoding, failing past `max` decoded bytes. */
function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  const enc = String(res.headers["content-encoding"] ?? "identity")
    .toLowerCase()
    .trim();
  const decoder =
    enc === "gzip" || enc === "x-gzip"
      ? createGunzip()
      : enc === "deflate"
        ? createInflate()
        : enc === "br"
          ? createBrotliDecompress()
          : enc === "identity" || enc === ""
            ? undefined
            : null;
  if (decoder === null)
    return Promise.reject(new FetchFailure("E_FETCH_UPSTREAM", `unsupported content-encoding ${enc}`));
  const declared = Number(res.headers["content-length"]);
  if (!decoder && Number.isFinite(declared) && declared > max)
    return Promise.reject(new FetchFailure("E_FETCH_TOO_LARGE", `the response is over ${max} bytes`));
  const stream = decoder ? res.pipe(decoder) : res;
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        res.destroy();
        decoder?.destroy();
        reject(new FetchFailure("E_FETCH_TOO_LARGE", `the response is over ${max} bytes`));
        return;
      }
      parts.push(c);
    });
    stream.on("end", () => resolve(Buffer.concat(parts, size)));
    stream.on("error", (e: Error) =>
      reject(
        e instanceof FetchFailure
          ? e
          : new FetchFailure("E_FETCH_UPSTREAM", `reading the response: ${e.message}`),
      ),
    );
    res.on("error", (e: Error) =>
      reject(new FetchFailure("E_FETCH_UPSTREAM", `reading the response: ${e.message}`)),
    );
  });
}

export function send(o: SendOptions): Promise<UpstreamResponse> {
  const t = o.target;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of o.headers) {
    const key = k.toLowerCase();
    if (DROP_REQUEST.has(key) || key.startsWith("proxy-")) continue;
    const prev = headers[key];
    headers[key] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  const defaultPort = t.https ? 443 : 80;
  headers.host = t.port === defaultPort ? hostText(t.host) : `${hostText(t.host)}:${t.port}`;
  // Identity only: a released value echoed back must be findable for redaction.
  headers["accept-encoding"] = "identity";
  if (o.body) headers["content-length"] = String(o.body.length);
  const isName = canonicalHost(t.host)?.kind === "name";
  const common = {
    host: o.dial.address,
    port: o.dial.port,
    method: o.method,
    path: t.path || "/",
    headers,
    agent: false as const,
    timeout: Math.max(1, o.deadline - Date.now()),
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: FetchFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () => fail(new FetchFailure("E_FETCH_TIMEOUT", `no complete response from ${t.host} in time`)),
      Math.max(0, o.deadline - Date.now()),
    );
    const req = t.https
      ? httpsRequest({
          ...common,
          // Verified against the URL's host, not the dialled address.
          ...(isName ? { servername: t.host } : {}),
          rejectUnauthorized: true,
          ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
        })
      : httpRequest(common);
    req.on("timeout", () => fail(new FetchFailure("E_FETCH_TIMEOUT", `no response from ${t.host} in time`)));
    req.on("error", (e: NodeJS.ErrnoException) =>
      fail(new FetchFailure("E_FETCH_UPSTREAM", `${t.host}: ${e.code ?? ""} ${e.message}`.trim())),
    );
    req.on("response", (res) => {
      readBody(res, o.maxBody ?? MAX_RESPONSE_BODY).then(
        (body) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined || DROP_RESPONSE.has(k)) continue;
            out[k] = Array.isArray(v) ? v.join(", ") : v;
          }
          resolve({ status: res.statusCode ?? 0, headers: out, body });
        },
        (e: FetchFailure) => {
          clearTimeout(timer);
          fail(e);
        },
      );
    });
    req.end(o.body);
  });
}

function hostText(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
