// The fetch broker against real servers on loopback: a local HTTPS server with a certificate from a
// throwaway CA (openssl), reached through the test-only resolve override. Covers secret release
// (only to the secret's hosts, over https), refusal without the value leaving, redaction of echoes,
// the egress policy on resolved addresses, TLS verification, caps, timeouts, web_search, and the
// line framing over the broker's unix socket. Secret values are random and never printed: every
// assertion about them is a boolean with its own message.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { createBroker, type FetchAudit } from "../../src/runtime/fetch/broker.js";
import type { FetchBrokerConfig } from "../../src/runtime/fetch/config.js";
import { parseFetchResolve } from "../../src/runtime/fetch/config.js";
import { makeTestPki, type TestPki } from "./fetch-tls.js";

const API = "api.mvm-fetch-test.invalid";
const OTHER = "other.mvm-fetch-test.invalid";
const SEARCH = "search.mvm-fetch-test.invalid";
const WRONG = "wrong-cert.mvm-fetch-test.invalid"; // not in the certificate
const PLAIN = "plain.mvm-fetch-test.invalid"; // http, granted by the egress allowlist
const TOK_API = `mvm-secret-${"a".repeat(32)}`;
const TOK_OTHER = `mvm-secret-${"b".repeat(32)}`;

const values = new Map<string, Buffer>([
  ["api-key", Buffer.from(`sk-${randomBytes(12).toString("hex")}`)],
  ["other-key", Buffer.from(`ok-${randomBytes(12).toString("hex")}`)],
  ["search-key", Buffer.from(`se-${randomBytes(12).toString("hex")}`)],
  ["bad-key", Buffer.from("line1\nline2")],
]);
const TOK_BAD = `mvm-secret-${"c".repeat(32)}`;
const anyValue = (s: string | Buffer) =>
  [...values.values()].some((v) =>
    typeof s === "string" ? s.includes(v.toString("latin1")) : s.includes(v),
  );

let pki: TestPki;
let https: Server;
let http: Server;
let httpsPort = 0;
let httpPort = 0;
const seen: { host?: string; path?: string; auth?: string; raw: Buffer }[] = [];

function record(req: IncomingMessage): void {
  const auth = req.headers.authorization;
  seen.push({
    host: req.headers.host,
    path: req.url,
    auth,
    raw: Buffer.from(JSON.stringify(req.headers), "latin1"),
  });
}

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
}

before(async () => {
  pki = makeTestPki([API, OTHER, SEARCH, PLAIN]);
  https = createHttpsServer({ key: pki.key, cert: pki.cert }, (req, res) => {
    record(req);
    const url = new URL(req.url ?? "/", "https://x");
    if (url.pathname === "/echo") {
      res.setHeader("x-echo", String(req.headers.authorization ?? ""));
      res.end(`you sent ${req.headers.authorization ?? "nothing"} to ${req.headers.host}`);
    } else if (url.pathname === "/gzip-echo") {
      res.setHeader("content-encoding", "gzip");
      res.end(gzipSync(`echo: ${req.headers.authorization}`));
    } else if (url.pathname === "/big") {
      res.end(Buffer.alloc(8 * 1024 * 1024 + 1, 0x61));
    } else if (url.pathname === "/bomb") {
      res.setHeader("content-encoding", "gzip");
      res.end(gzipSync(Buffer.alloc(9 * 1024 * 1024)));
    } else if (url.pathname === "/slow") {
      // never answers
    } else if (url.pathname === "/search") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          web: {
            results: [
              {
                title: `about ${url.searchParams.get("q")}`,
                url: "https://a.example/1",
                description: "first",
              },
              { name: "second", link: "https://a.example/2", snippet: `key was ${req.headers["x-api-key"]}` },
              { title: "no url" },
              { title: "third", url: "https://a.example/3" },
            ],
          },
        }),
      );
    } else if (url.pathname === "/post") {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => res.end(`got ${Buffer.concat(parts).length} bytes`));
    } else res.end("ok");
  });
  httpsPort = await listen(https);
  http = createHttpServer((req, res) => {
    record(req);
    res.end("plain ok");
  });
  httpPort = await listen(http);
});

after(() => {
  https?.close();
  https?.closeAllConnections();
  http?.close();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

function config(over: Partial<FetchBrokerConfig> = {}): FetchBrokerConfig {
  return {
    socket: join(tmpdir(), `mvm-fetch-test-${process.pid}-${randomBytes(3).toString("hex")}.sock`),
    log: "/dev/null",
    instance: "t",
    home: "/nonexistent",
    egress: [{ host: PLAIN, port: 80 }],
    tokens: {
      [TOK_API]: { name: "api-key", hosts: [API] },
      [TOK_OTHER]: { name: "other-key", hosts: [OTHER] },
      [TOK_BAD]: { name: "bad-key", hosts: [API] },
    },
    resolve: parseFetchResolve(
      [API, OTHER, SEARCH, WRONG].map((h) => `${h}:443:127.0.0.1:${httpsPort}`).join(",") +
        `,${PLAIN}:80:127.0.0.1:${httpPort}`,
    ),
    search: {
      url: `https://${SEARCH}/search?q={query}&n={limit}`,
      keySecret: "search-key",
      keyHeader: "X-Api-Key",
      keyFormat: "{key}",
    },
    ...over,
  };
}

function broker(
  over: Partial<FetchBrokerConfig> = {},
  opts: { ca?: string | null; maxConcurrent?: number; lookup?: (n: string) => Promise<string[]> } = {},
) {
  const audits: FetchAudit[] = [];
  const b = createBroker({
    config: config(over),
    readSecret: async (name) => {
      const v = values.get(name);
      if (!v) throw new Error("no such secret");
      return v;
    },
    audit: (a) => audits.push(a),
    ...(opts.ca === null ? {} : { ca: opts.ca ?? pki.ca }),
    ...(opts.maxConcurrent ? { maxConcurrent: opts.maxConcurrent } : {}),
    ...(opts.lookup ? { lookup: opts.lookup } : {}),
  });
  return { b, audits };
}

type Reply = {
  ok: boolean;
  code?: string;
  message?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  results?: unknown[];
};

function req(fields: Record<string, unknown>): Record<string, unknown> {
  return { v: 1, id: randomBytes(4).toString("hex"), op: "fetch", ...fields };
}

test("a token to the secret's host arrives as the value; an echo comes back redacted", async () => {
  const { b, audits } = broker();
  const n = seen.length;
  const r = (await b.handle(
    req({ url: `https://${API}/echo?x=1`, headers: { Authorization: `Bearer ${TOK_API}` } }),
  )) as Reply;
  assert.equal(r.ok, true, r.message);
  assert.equal(r.status, 200);
  const got = seen.slice(n);
  assert.equal(got.length, 1);
  assert.ok(
    got[0]?.auth === `Bearer ${values.get("api-key")?.toString()}`,
    "the server received the real value",
  );
  assert.equal(got[0]?.host, API, "Host is the URL's host");
  const body = Buffer.from(r.body ?? "", "base64");
  assert.ok(!anyValue(body), "the echoed value is redacted from the body");
  assert.match(
    body.toString(),
    /you sent Bearer \[redacted secret api-key\] to api\.mvm-fetch-test\.invalid/,
  );
  assert.ok(!anyValue(JSON.stringify(r.headers)), "the echoed value is redacted from the headers");
  assert.equal(r.headers?.["x-echo"], "Bearer [redacted secret api-key]");
  assert.deepEqual(audits[0]?.released, ["api-key"]);
  assert.equal(audits[0]?.path, "/echo", "the path without its query");
  assert.ok(!anyValue(JSON.stringify(audits)), "the audit holds no value");
});

test("a gzip-encoded echo is decoded, then redacted", async () => {
  const { b } = broker();
  const r = (await b.handle(
    req({ url: `https://${API}/gzip-echo`, headers: { authorization: TOK_API } }),
  )) as Reply;
  assert.equal(r.ok, true, r.message);
  const body = Buffer.from(r.body ?? "", "base64").toString();
  assert.ok(!anyValue(body), "no value in the decoded body");
  assert.equal(body, "echo: [redacted secret api-key]");
  assert.equal(r.headers?.["content-encoding"], undefined);
});

test("the token sent to another granted host is refused before anything is sent", async () => {
  const { b, audits } = broker();
  const n = seen.length;
  const r = (await b.handle(
    req({ url: `https://${OTHER}/echo`, headers: { Authorization: `Bearer ${TOK_API}` } }),
  )) as Reply;
  assert.equal(r.ok, false);
  assert.equal(r.code, "E_FETCH_DENIED");
  assert.match(
    r.message ?? "",
    /secret "api-key" may only be sent to api\.mvm-fetch-test\.invalid, not to other\.mvm-fetch-test\.invalid/,
  );
  assert.equal(seen.length, n, "the server saw no request at all");
  assert.ok(
    !anyValue(JSON.stringify(r)) && !anyValue(JSON.stringify(audits)),
    "no value in the reply or audit",
  );
  assert.equal(audits[0]?.decision, "deny");
  // The other secret's own token is fine there.
  const ok = (await b.handle(
    req({ url: `https://${OTHER}/echo`, headers: { "x-key": TOK_OTHER } }),
  )) as Reply;
  assert.equal(ok.ok, true, ok.message);
});

test("grants: ungranted hosts and ports, http to a secret host, secrets over http", async () => {
  const { b } = broker();
  const n = seen.length;
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ url: "https://ungranted.mvm-fetch-test.invalid/" }, "E_FETCH_DENIED", /not granted/],
    [{ url: `https://${API}:8443/` }, "E_FETCH_DENIED", /not granted/],
    [{ url: `http://${API}/` }, "E_FETCH_DENIED", /not granted/],
    [{ url: `http://${PLAIN}/`, headers: { authorization: TOK_API } }, "E_FETCH_DENIED", /api-key/],
    [{ url: "ftp://x.example/" }, "E_FETCH_DENIED", /scheme/],
    [{ url: `https://user:pw@${API}/` }, "E_FETCH_INVALID", /credentials/],
    [{ url: "not a url" }, "E_FETCH_INVALID", /absolute URL/],
    [{ url: `https://${API}/`, method: "CONNECT" }, "E_FETCH_INVALID", /method/],
    [
      { url: `https://${API}/`, headers: { "x-a": "a\r\nx-injected: 1" } },
      "E_FETCH_INVALID",
      /not a valid header value/,
    ],
    [{ url: `https://${API}/`, headers: { "bad name": "x" } }, "E_FETCH_INVALID", /header name/],
    [{ url: `https://${API}/`, headers: { authorization: TOK_BAD } }, "E_FETCH_INVALID", /secret "bad-key"/],
  ];
  for (const [fields, code, re] of cases) {
    const r = (await b.handle(req(fields))) as Reply;
    assert.equal(r.code, code, `${JSON.stringify(fields)}: ${r.message}`);
    assert.match(r.message ?? "", re);
  }
  assert.equal(seen.length, n, "nothing reached the servers");
  const plain = (await b.handle(req({ url: `http://${PLAIN}/` }))) as Reply;
  assert.equal(plain.ok, true, plain.message);
  assert.equal(Buffer.from(plain.body ?? "", "base64").toString(), "plain ok");
});

test("the egress policy on resolved addresses: private, metadata and loopback by DNS are refused", async () => {
  for (const addr of ["10.1.2.3", "169.254.169.254", "127.0.0.1", "::1", "::ffff:127.0.0.1", "100.64.0.1"]) {
    const { b } = broker({ resolve: [] }, { lookup: async () => [addr] });
    const r = (await b.handle(req({ url: `https://${API}/` }))) as Reply;
    assert.equal(r.code, "E_FETCH_DENIED", `${addr}: ${r.message}`);
    assert.match(r.message ?? "", /resolves to/);
  }
  // An override may reach loopback only, never another non-public address.
  const { b } = broker({ resolve: parseFetchResolve(`${API}:443:10.0.0.1`) });
  const r = (await b.handle(req({ url: `https://${API}/` }))) as Reply;
  assert.equal(r.code, "E_FETCH_DENIED");
  // A literal non-public target is refused even when granted.
  const lit = broker({ egress: [{ host: "127.0.0.1", port: httpsPort }], resolve: [] });
  const l = (await lit.b.handle(req({ url: `https://127.0.0.1:${httpsPort}/` }))) as Reply;
  assert.equal(l.code, "E_FETCH_DENIED");
});

test("TLS is verified against the URL's host name, with the extra CA only", async () => {
  const wrong = broker({ tokens: {}, egress: [{ host: WRONG, port: 443 }] });
  const r = (await wrong.b.handle(req({ url: `https://${WRONG}/` }))) as Reply;
  assert.equal(r.code, "E_FETCH_UPSTREAM", r.message);
  assert.match(r.message ?? "", /altnames|ERR_TLS_CERT_ALTNAME_INVALID/i);
  const noCa = broker({}, { ca: null });
  const n = (await noCa.b.handle(
    req({ url: `https://${API}/`, headers: { authorization: TOK_API } }),
  )) as Reply;
  assert.equal(n.code, "E_FETCH_UPSTREAM", n.message);
});

test("caps: response over 8 MiB, a decompression bomb, a request body over 1 MiB", async () => {
  const { b } = broker();
  const big = (await b.handle(req({ url: `https://${API}/big` }))) as Reply;
  assert.equal(big.code, "E_FETCH_TOO_LARGE", big.message);
  const bomb = (await b.handle(req({ url: `https://${API}/bomb` }))) as Reply;
  assert.equal(bomb.code, "E_FETCH_TOO_LARGE", bomb.message);
  const body = Buffer.alloc(1024 * 1024 + 1).toString("base64");
  const up = (await b.handle(req({ url: `https://${API}/post`, method: "POST", body }))) as Reply;
  assert.equal(up.code, "E_FETCH_TOO_LARGE", up.message);
  const okBody = Buffer.alloc(1024 * 1024).toString("base64");
  const ok = (await b.handle(req({ url: `https://${API}/post`, method: "POST", body: okBody }))) as Reply;
  assert.equal(Buffer.from(ok.body ?? "", "base64").toString(), `got ${1024 * 1024} bytes`);
});

test("timeout: a server that never answers gives E_FETCH_TIMEOUT at the request's deadline", async () => {
  const { b } = broker();
  const t0 = Date.now();
  const r = (await b.handle(req({ url: `https://${API}/slow`, timeout_ms: 400 }))) as Reply;
  assert.equal(r.code, "E_FETCH_TIMEOUT", r.message);
  assert.ok(Date.now() - t0 < 3000);
});

test("web_search: the provider's key is added on the host, results normalised, the key redacted", async () => {
  const { b, audits } = broker();
  const n = seen.length;
  const r = (await b.handle({ v: 1, id: "s1", op: "search", query: "mvm fetch", limit: 3 })) as Reply;
  assert.equal(r.ok, true, r.message);
  assert.ok(seen[n]?.raw.includes(values.get("search-key") as Buffer), "the provider got its key");
  assert.equal(seen[n]?.path, "/search?q=mvm%20fetch&n=3");
  assert.ok(!anyValue(JSON.stringify(r)), "no key in the results");
  assert.deepEqual(r.results, [
    { title: "about mvm fetch", url: "https://a.example/1", snippet: "first" },
    { title: "second", url: "https://a.example/2", snippet: "key was [redacted secret search-key]" },
    { title: "third", url: "https://a.example/3", snippet: "" },
  ]);
  assert.deepEqual(audits[0]?.released, ["search-key"]);
  assert.equal(audits[0]?.op, "search");
  const none = broker({ search: undefined });
  const u = (await none.b.handle({ v: 1, id: "s2", op: "search", query: "x" })) as Reply;
  assert.equal(u.code, "E_FETCH_UNAVAILABLE");
});

function lines(sock: ReturnType<typeof connect>): AsyncGenerator<Reply & { id: string | null }> {
  let buf = "";
  const queue: (Reply & { id: string | null })[] = [];
  let wake: (() => void) | undefined;
  sock.on("data", (c: Buffer) => {
    buf += c.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      queue.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
    wake?.();
  });
  return (async function* () {
    for (;;) {
      while (queue.length) yield queue.shift() as Reply & { id: string | null };
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  })();
}

test("the socket: a torn frame is dropped, replies come by id and out of order, the concurrency cap", async () => {
  const { b } = broker({}, { maxConcurrent: 2 });
  const cfg = config();
  await new Promise<void>((r) => b.listen(cfg.socket, r));
  try {
    const sock = connect(cfg.socket);
    await new Promise((r) => sock.once("connect", r));
    const it = lines(sock);
    // A writer killed mid-frame, then a well-formed request that begins with its own newline.
    sock.write('{"v":1,"id":"torn","op":"fe');
    sock.write(`\n${JSON.stringify(req({ id: "slow", url: `https://${API}/slow`, timeout_ms: 1500 }))}\n`);
    sock.write(`\n${JSON.stringify(req({ id: "fast", url: `https://${API}/` }))}\n`);
    const first = (await it.next()).value;
    assert.equal(first?.id, "fast", "the fast reply does not wait for the slow one");
    // Two in flight (slow, and this one would be the third with the cap of 2 reached by slow + busy).
    sock.write(`\n${JSON.stringify(req({ id: "s2", url: `https://${API}/slow`, timeout_ms: 1500 }))}\n`);
    sock.write(`\n${JSON.stringify(req({ id: "s3", url: `https://${API}/` }))}\n`);
    const busy = (await it.next()).value;
    assert.equal(busy?.id, "s3");
    assert.equal(busy?.code, "E_FETCH_UNAVAILABLE");
    const ids = [(await it.next()).value?.id, (await it.next()).value?.id].sort();
    assert.deepEqual(ids, ["s2", "slow"]);
    sock.write(`${"x".repeat(2 * 1024 * 1024 + 10)}\n`);
    const over = (await it.next()).value;
    assert.equal(over?.code, "E_FETCH_TOO_LARGE");
    sock.destroy();
  } finally {
    b.close();
    rmSync(cfg.socket, { force: true });
  }
});
