// mvm.web_fetch / mvm.web_search inside an mvm guest (docs/fetch.md). Requests go to the host's
// fetch broker over a virtio-serial port ("mvm.fetch.N"), never over the guest's network, so they
// work in network mode "none" too. The broker applies the workload's grants, swaps a secret token
// in a header for its value only for that secret's hosts, and redacts the value from the answer:
// the value never enters the guest.
//
// Concurrency: the guest kernel lets one process at a time open a port (EBUSY otherwise), and the
// host offers several ports, so a caller takes a free port for one request and gives it back;
// replies are matched by id, so a reply left over from a killed caller is skipped. Frames are JSON
// lines; each request starts with "\n" so a frame torn by a killed writer cannot swallow it.
import { constants as fsc } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { MvmError } from "@mvm/ir/errors";

// node:fs/promises (with node's streams) loads on the first request, not with mvm-sdk.
const fsp = () => import("node:fs/promises");

export class FetchError extends MvmError {}

/** Host policy refused the request (host/port not granted, non-public address, a token sent to the wrong host). */
export class FetchDeniedError extends FetchError {
  constructor(message: string) {
    super("E_FETCH_DENIED", message);
    this.name = "FetchDeniedError";
  }
}
export class FetchTimeoutError extends FetchError {
  constructor(message: string) {
    super("E_FETCH_TIMEOUT", message);
    this.name = "FetchTimeoutError";
  }
}
export class FetchTooLargeError extends FetchError {
  constructor(message: string) {
    super("E_FETCH_TOO_LARGE", message);
    this.name = "FetchTooLargeError";
  }
}
export class FetchUpstreamError extends FetchError {
  constructor(message: string) {
    super("E_FETCH_UPSTREAM", message);
    this.name = "FetchUpstreamError";
  }
}
export class FetchInvalidError extends FetchError {
  constructor(message: string) {
    super("E_FETCH_INVALID", message);
    this.name = "FetchInvalidError";
  }
}
/** Not in an mvm guest, or the host's broker is not connected, or no search provider is configured. */
export class FetchUnavailableError extends FetchError {
  constructor(message: string) {
    super("E_FETCH_UNAVAILABLE", message);
    this.name = "FetchUnavailableError";
  }
}

const ERRORS: Record<string, new (m: string) => FetchError> = {
  E_FETCH_DENIED: FetchDeniedError,
  E_FETCH_TIMEOUT: FetchTimeoutError,
  E_FETCH_TOO_LARGE: FetchTooLargeError,
  E_FETCH_UPSTREAM: FetchUpstreamError,
  E_FETCH_INVALID: FetchInvalidError,
  E_FETCH_UNAVAILABLE: FetchUnavailableError,
};

export interface WebFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Seconds (default 30, at most 120). */
  timeout?: number;
}

export interface WebFetchResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
  text(): string;
  json(): unknown;
}

export interface WebSearchResult {
  title: string;
  url: string;
  snippet: string;
}

const MAX_REQUEST_BODY = 1024 * 1024;
/** Base64 of the 8 MiB response cap plus headers. */
const MAX_REPLY_LINE = 16 * 1024 * 1024;
const SYSFS = "/sys/class/virtio-ports";
/** How long after its own deadline a request waits for the broker's (timeout) reply. */
const GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fetchPorts(): Promise<string[]> {
  const { readdir, readFile } = await fsp();
  let names: string[];
  try {
    names = await readdir(SYSFS);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const d of names.sort()) {
    const n = await readFile(`${SYSFS}/${d}/name`, "utf8").catch(() => "");
    if (/^mvm\.fetch\.\d+$/.test(n.trim())) out.push(`/dev/${d}`);
  }
  return out;
}

async function takePort(deadline: number): Promise<FileHandle> {
  const ports = await fetchPorts();
  const { open } = await fsp();
  if (ports.length === 0)
    throw new FetchUnavailableError("mvm.web_fetch works only inside an mvm guest (no mvm.fetch port found)");
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    for (const p of ports) {
      try {
        return await open(p, fsc.O_RDWR | fsc.O_NONBLOCK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EBUSY")
          throw new FetchUnavailableError(`cannot open ${p}: ${(e as Error).message}`);
      }
    }
    if (Date.now() > deadline)
      throw new FetchTimeoutError("every mvm.fetch port stayed busy until the timeout");
    await sleep(wait + Math.random() * wait);
  }
}

async function exchange(
  request: Record<string, unknown>,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const id = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const deadline = Date.now() + timeoutMs + GRACE_MS;
  const fh = await takePort(deadline);
  try {
    const out = Buffer.from(`\n${JSON.stringify({ v: 1, id, ...request, timeout_ms: timeoutMs })}\n`);
    for (let off = 0; off < out.length; ) {
      try {
        off += (await fh.write(out, off)).bytesWritten;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN")
          throw new FetchUnavailableError(`writing to the broker: ${(e as Error).message}`);
        if (Date.now() > deadline)
          throw new FetchUnavailableError("the host's fetch broker is not taking requests");
        await sleep(5);
      }
    }
    const chunk = Buffer.alloc(64 * 1024);
    let parts: Buffer[] = [];
    let size = 0;
    for (let idle = 1; ; ) {
      let n: number;
      try {
        n = (await fh.read(chunk, 0, chunk.length, null)).bytesRead;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN")
          throw new FetchUnavailableError(`reading from the broker: ${(e as Error).message}`);
        if (Date.now() > deadline)
          throw new FetchTimeoutError(`no reply from the host within ${timeoutMs} ms`);
        await sleep(idle);
        idle = Math.min(idle * 2, 20);
        continue;
      }
      // 0: nothing is connected on the host side of the port.
      if (n === 0) throw new FetchUnavailableError("the host's fetch broker is not connected");
      idle = 1;
      let data = chunk.subarray(0, n);
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
        parts.push(data.subarray(0, nl));
        const line = Buffer.concat(parts).toString("utf8");
        parts = [];
        size = 0;
        data = data.subarray(nl + 1);
        let reply: Record<string, unknown>;
        try {
          reply = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (reply.id === id) return reply; // anything else was meant for an earlier, killed caller
      }
      parts.push(Buffer.from(data));
      size += data.length;
      if (size > MAX_REPLY_LINE) throw new FetchTooLargeError("the broker's reply is over the guest's cap");
    }
  } finally {
    await fh.close();
  }
}

function timeoutMsOf(timeout: number | undefined): number {
  const t = timeout ?? 30;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > 120)
    throw new FetchInvalidError("timeout must be a number of seconds above 0 and at most 120");
  return Math.ceil(t * 1000);
}

function failed(reply: Record<string, unknown>): FetchError {
  const code = String(reply.code);
  const Cls = ERRORS[code] ?? FetchUpstreamError;
  return new Cls(String(reply.message ?? code));
}

/**
 * An HTTP request made by the host on the guest's behalf. A secret's token (the value of a
 * `mvm.secret(...)` env var) in a header is replaced by the secret's value only when `url`'s host
 * is one of that secret's hosts; the value never enters the guest.
 */
export async function web_fetch(url: string, opts: WebFetchOptions = {}): Promise<WebFetchResponse> {
  if (typeof url !== "string") throw new FetchInvalidError("url must be a string");
  const timeoutMs = timeoutMsOf(opts.timeout);
  const body =
    opts.body === undefined || opts.body === null
      ? undefined
      : typeof opts.body === "string"
        ? Buffer.from(opts.body, "utf8")
        : Buffer.from(opts.body);
  if (body && body.length > MAX_REQUEST_BODY)
    throw new FetchTooLargeError(`the request body is over ${MAX_REQUEST_BODY} bytes`);
  const reply = await exchange(
    {
      op: "fetch",
      url,
      method: (opts.method ?? "GET").toUpperCase(),
      headers: opts.headers ?? {},
      body: body ? body.toString("base64") : null,
    },
    timeoutMs,
  );
  if (reply.ok !== true) throw failed(reply);
  const bytes = new Uint8Array(Buffer.from(String(reply.body ?? ""), "base64"));
  const text = () => Buffer.from(bytes).toString("utf8");
  return {
    status: Number(reply.status),
    headers: (reply.headers ?? {}) as Record<string, string>,
    body: bytes,
    text,
    json: () => JSON.parse(text()),
  };
}

export const webFetch = web_fetch;

/** A web search through the provider configured on the host; its key never enters the guest. */
export async function web_search(
  query: string,
  opts: { limit?: number; timeout?: number } = {},
): Promise<WebSearchResult[]> {
  if (typeof query !== "string" || query.trim() === "")
    throw new FetchInvalidError("query must be a non-empty string");
  const reply = await exchange({ op: "search", query, limit: opts.limit ?? 5 }, timeoutMsOf(opts.timeout));
  if (reply.ok !== true) throw failed(reply);
  return (reply.results ?? []) as WebSearchResult[];
}

export const webSearch = web_search;
