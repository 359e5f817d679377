// The guest <-> broker wire format (docs/fetch.md). Each frame is one line of JSON ending in "\n"
// (JSON text never holds a raw newline), bodies in base64. Lines rather than length prefixes
// because the channel is a virtio-serial port: one byte stream that guest processes take turns on,
// and a writer killed half-way through a frame must not desynchronise the next one. Every guest
// request starts with a "\n", so a torn frame before it ends as one unparsable line that is dropped,
// and the next request is read cleanly. Replies carry the request's id; a guest discards lines that
// are not its own (a reply to a caller that was killed before reading it).
//
//   guest: {"v":1,"id":"<1-64 [A-Za-z0-9_-]>","op":"fetch","url":"https://...","method":"GET",
//           "headers":{"name":"value"},"body":"<base64>"|null,"timeout_ms":30000}
//          {"v":1,"id":"...","op":"search","query":"...","limit":5,"timeout_ms":30000}
//   host:  {"id":"...","ok":true,"status":200,"headers":{"name":"value"},"body":"<base64>"}
//          {"id":"...","ok":true,"results":[{"title","url","snippet"}]}
//          {"id":"...","ok":false,"code":"E_FETCH_...","message":"..."}
// Nothing from the guest is trusted: every field is checked here before use.

export const PROTOCOL_VERSION = 1;
/** Request body cap (decoded). */
export const MAX_REQUEST_BODY = 1024 * 1024;
/** Response body cap (after decoding any content-encoding). */
export const MAX_RESPONSE_BODY = 8 * 1024 * 1024;
/** A request line: the body's base64 plus room for URL and headers. */
export const MAX_LINE = 2 * 1024 * 1024;
export const MAX_TIMEOUT_MS = 120_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_SEARCH_LIMIT = 20;

export type FetchCode =
  | "E_FETCH_DENIED"
  | "E_FETCH_TIMEOUT"
  | "E_FETCH_TOO_LARGE"
  | "E_FETCH_UPSTREAM"
  | "E_FETCH_INVALID"
  | "E_FETCH_UNAVAILABLE";

export class FetchFailure extends Error {
  constructor(
    readonly code: FetchCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchRequest {
  op: "fetch";
  id: string;
  url: string;
  method: string;
  headers: [string, string][];
  body?: Buffer;
  timeoutMs: number;
}

export interface SearchRequest {
  op: "search";
  id: string;
  query: string;
  limit: number;
  timeoutMs: number;
}

export type BrokerRequest = FetchRequest | SearchRequest;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Header value characters Node writes as bytes (latin1): tab, visible ASCII, obs-text. No CR/LF/NUL. */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The id of a line, if it has a usable one (so even a refused request gets a reply it can match). */
export function lineId(v: unknown): string | undefined {
  return isObject(v) && typeof v.id === "string" && ID.test(v.id) ? v.id : undefined;
}

function timeoutOf(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_TIMEOUT_MS;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
    throw new FetchFailure("E_FETCH_INVALID", "timeout_ms must be a positive number");
  // The cap is the broker's: a guest cannot hold a slot longer than this.
  return Math.min(Math.ceil(v), MAX_TIMEOUT_MS);
}

export function parseRequest(v: unknown): BrokerRequest {
  const id = lineId(v);
  if (!isObject(v) || id === undefined) throw new FetchFailure("E_FETCH_INVALID", "malformed request");
  if (v.v !== PROTOCOL_VERSION)
    throw new FetchFailure("E_FETCH_INVALID", `protocol version ${JSON.stringify(v.v)} (the host speaks 1)`);
  if (v.op === "search") {
    if (typeof v.query !== "string" || v.query.trim() === "" || v.query.length > 1024)
      throw new FetchFailure(
        "E_FETCH_INVALID",
        "query must be a non-empty string of at most 1024 characters",
      );
    const limit = v.limit ?? 5;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)
      throw new FetchFailure("E_FETCH_INVALID", `limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
    return { op: "search", id, query: v.query, limit, timeoutMs: timeoutOf(v.timeout_ms) };
  }
  if (v.op !== "fetch") throw new FetchFailure("E_FETCH_INVALID", `unknown op ${JSON.stringify(v.op)}`);
  if (typeof v.url !== "string" || v.url.length > 8192)
    throw new FetchFailure("E_FETCH_INVALID", "url must be a string of at most 8192 characters");
  const method = v.method ?? "GET";
  if (typeof method !== "string" || !METHODS.has(method.toUpperCase()))
    throw new FetchFailure("E_FETCH_INVALID", `method must be one of ${[...METHODS].join(", ")}`);
  const headers: [string, string][] = [];
  if (v.headers !== undefined && v.headers !== null) {
    if (!isObject(v.headers)) throw new FetchFailure("E_FETCH_INVALID", "headers must be an object");
    const entries = Object.entries(v.headers);
    if (entries.length > 100) throw new FetchFailure("E_FETCH_INVALID", "at most 100 headers");
    for (const [k, val] of entries) {
      if (!TOKEN.test(k) || k.length > 256)
        throw new FetchFailure(
          "E_FETCH_INVALID",
          `header name ${JSON.stringify(k.slice(0, 64))} is not valid`,
        );
      if (typeof val !== "string" || val.length > 16384 || !HEADER_VALUE.test(val))
        throw new FetchFailure("E_FETCH_INVALID", `the value of header ${k} is not a valid header value`);
      headers.push([k, val]);
    }
  }
  let body: Buffer | undefined;
  if (v.body !== undefined && v.body !== null) {
    if (typeof v.body !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.body))
      throw new FetchFailure("E_FETCH_INVALID", "body must be base64");
    if ((v.body.length * 3) / 4 > MAX_REQUEST_BODY + 3)
      throw new FetchFailure("E_FETCH_TOO_LARGE", `the request body is over ${MAX_REQUEST_BODY} bytes`);
    body = Buffer.from(v.body, "base64");
    if (body.length > MAX_REQUEST_BODY)
      throw new FetchFailure("E_FETCH_TOO_LARGE", `the request body is over ${MAX_REQUEST_BODY} bytes`);
  }
  return {
    op: "fetch",
    id,
    url: v.url,
    method: method.toUpperCase(),
    headers,
    ...(body ? { body } : {}),
    timeoutMs: timeoutOf(v.timeout_ms),
  };
}

/** Splits a byte stream into lines, dropping (and reporting) any line over `max` bytes. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  constructor(
    private readonly max: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversize: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        const piece = chunk.subarray(start, end);
        if (this.size + piece.length > this.max) {
          // Dropped whole, up to its newline; memory stays bounded by `max`.
          this.parts = [];
          this.size = 0;
          this.skipping = true;
          this.onOversize();
        } else if (piece.length) {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl < 0) return;
      if (!this.skipping && this.size > 0) this.onLine(Buffer.concat(this.parts, this.size));
      this.parts = [];
      this.size = 0;
      this.skipping = false;
      start = nl + 1;
    }
  }
}
