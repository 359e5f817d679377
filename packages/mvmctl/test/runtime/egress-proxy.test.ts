// The egress proxy on real sockets (127.0.0.1 only): allowed CONNECT tunnels carry bytes both
// ways, plain HTTP in absolute-URI form is forwarded in origin form, anything undeclared or
// malformed is refused, and every decision is logged without paths.
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { resolveOverrides } from "../../src/runtime/network/egress-process.js";
import {
  createEgressProxy,
  type EgressDecision,
  isAllowed,
  parseAuthority,
} from "../../src/runtime/network/egress-proxy.js";

const servers: Server[] = [];
let echoPort = 0;
let httpPort = 0;
let proxyPort = 0;
const decisions: EgressDecision[] = [];
let lastHttpRequest: { url?: string; host?: string; proxyAuth?: string; connection?: string } = {};

function listen(s: Server): Promise<number> {
  servers.push(s);
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));
}

before(async () => {
  echoPort = await listen(createServer((s) => s.pipe(s)));
  httpPort = await listen(
    createHttpServer((req, res) => {
      lastHttpRequest = {
        url: req.url,
        host: req.headers.host,
        proxyAuth: req.headers["proxy-authorization"],
        connection: req.headers.connection,
      };
      res.end(`origin says ${req.method} ${req.url}`);
    }) as unknown as Server,
  );
  const proxy = createEgressProxy({
    allowlist: [
      { host: "echo.test", port: echoPort },
      { host: "http.test", port: httpPort },
    ],
    // The test-only override is the one way a dial may reach loopback.
    resolve: new Map([
      ["echo.test", "127.0.0.1"],
      ["http.test", "127.0.0.1"],
    ]),
    log: (d) => decisions.push(d),
    headTimeoutMs: 500,
  });
  proxyPort = await listen(proxy);
});

after(() => {
  for (const s of servers) s.close();
});

/** Sends `data` to the proxy and collects everything until the proxy closes. */
function exchange(data: string | Buffer, opts: { endAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(proxyPort, "127.0.0.1");
    let out = "";
    s.on("data", (b) => {
      out += b.toString("latin1");
    });
    s.on("error", reject);
    s.on("close", () => resolve(out));
    s.write(data);
    if (opts.endAfterMs !== undefined) setTimeout(() => s.end(), opts.endAfterMs);
  });
}

function lastDecision(): EgressDecision {
  const d = decisions.at(-1);
  assert.ok(d, "a decision was logged");
  return d;
}

test("CONNECT to a declared host:port tunnels bytes both ways", async () => {
  const s: Socket = connect(proxyPort, "127.0.0.1");
  let got = "";
  const established = new Promise<void>((resolve) => {
    s.on("data", (b) => {
      got += b.toString();
      if (got.includes("\r\n\r\n")) resolve();
    });
  });
  // Bytes right after the head must reach the upstream too (clients may pipeline a TLS hello).
  s.write(`CONNECT ECHO.test:${echoPort} HTTP/1.1\r\nHost: echo.test:${echoPort}\r\n\r\nfirst;`);
  await established;
  assert.match(got, /^HTTP\/1\.1 200 /);
  const echoed = new Promise<string>((resolve) => {
    let e = got.slice(got.indexOf("\r\n\r\n") + 4);
    const check = () => {
      if (e.includes("second")) resolve(e);
    };
    s.on("data", (b) => {
      e += b.toString();
      check();
    });
    check();
  });
  s.write("second");
  assert.equal(await echoed, "first;second");
  s.destroy();
  const d = decisions.find((x) => x.method === "CONNECT" && x.port === echoPort);
  assert.equal(d?.decision, "allow");
  assert.equal(d?.host, "echo.test", "hosts are compared and logged lower-case");
});

test("CONNECT to an undeclared port or host is refused with 403 and logged", async () => {
  const port = await exchange(`CONNECT echo.test:${echoPort + 1} HTTP/1.1\r\n\r\n`);
  assert.match(port, /^HTTP\/1\.1 403 Forbidden/);
  assert.deepEqual(
    { ...lastDecision(), time: "" },
    {
      time: "",
      decision: "deny",
      method: "CONNECT",
      host: "echo.test",
      port: echoPort + 1,
      reason: "not declared",
    },
  );
  const host = await exchange(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`);
  assert.match(host, /^HTTP\/1\.1 403 /);
  assert.equal(lastDecision().host, "127.0.0.1");
  assert.ok(!Number.isNaN(Date.parse(lastDecision().time)));
});

test("plain HTTP in absolute-URI form is forwarded in origin form, proxy headers dropped", async () => {
  const res = await exchange(
    `GET http://http.test:${httpPort}/path?token=SECRET HTTP/1.1\r\nHost: HTTP.test:${httpPort}\r\nProxy-Authorization: Basic eDp5\r\nConnection: keep-alive\r\n\r\n`,
  );
  assert.match(res, /^HTTP\/1\.1 200 /);
  assert.match(res, /origin says GET \/path\?token=SECRET$/);
  assert.equal(lastHttpRequest.url, "/path?token=SECRET");
  assert.equal(lastHttpRequest.host, `HTTP.test:${httpPort}`);
  assert.equal(lastHttpRequest.proxyAuth, undefined);
  assert.equal(lastHttpRequest.connection, "close");
  const d = decisions.filter((x) => x.port === httpPort).at(-1);
  assert.equal(d?.decision, "allow");
  assert.equal(d?.address, "127.0.0.1");
  assert.ok(!JSON.stringify(decisions).includes("SECRET"), "paths and queries are never logged");
});

test("plain HTTP to an undeclared destination gets 403; default port 80 is checked as 80", async () => {
  const res = await exchange("GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  assert.match(res, /^HTTP\/1\.1 403 /);
  assert.equal(lastDecision().port, 80);
  assert.equal(lastDecision().decision, "deny");
});

test("malformed requests get 400 and a deny line", async () => {
  for (const req of [
    "hello\r\n\r\n",
    `GET /relative HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\n\r\n`,
    `GET https://127.0.0.1:${httpPort}/ HTTP/1.1\r\n\r\n`,
    `GET http://user:pw@127.0.0.1:${httpPort}/ HTTP/1.1\r\n\r\n`,
    "CONNECT echo.test HTTP/1.1\r\n\r\n",
    "CONNECT echo.test:99999 HTTP/1.1\r\n\r\n",
    "GET http://127.0.0.1/ HTTP/1.1\r\nbad header line\r\n\r\n",
  ]) {
    const n = decisions.length;
    const res = await exchange(req);
    assert.match(res, /^HTTP\/1\.1 400 /, JSON.stringify(req));
    assert.equal(decisions.length, n + 1, JSON.stringify(req));
    assert.equal(lastDecision().decision, "deny");
  }
});

test("an oversized head gets 431, complete or not; a silent client is cut off", async () => {
  const big = await exchange(`GET http://127.0.0.1/ HTTP/1.1\r\nX: ${"a".repeat(20_000)}`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.equal(lastDecision().reason, "request head too large");
  // A complete 20 KiB head in one write (it used to pass as long as it ended in CRLFCRLF).
  const whole = await exchange(
    `CONNECT echo.test:${echoPort} HTTP/1.1\r\nHost: echo.test:${echoPort}\r\nX: ${"a".repeat(20 * 1024)}\r\n\r\n`,
  );
  assert.match(whole, /^HTTP\/1\.1 431 /);
  assert.equal(lastDecision().reason, "request head too large");
  const silent = await exchange("GET http://127.0.0.1/ HTTP/1.1\r\n");
  assert.equal(silent, "");
  assert.equal(lastDecision().reason, "request head timed out");
});

test("an allowed destination that is down gets 502 and an error line", async () => {
  const dead = createServer();
  const port = await listen(dead);
  await new Promise<void>((r) => dead.close(() => r()));
  const proxy = createEgressProxy({
    allowlist: [{ host: "dead.test", port }],
    resolve: new Map([["dead.test", "127.0.0.1"]]),
    log: (d) => decisions.push(d),
  });
  const pport = await listen(proxy);
  const res = await new Promise<string>((resolve) => {
    const s = connect(pport, "127.0.0.1");
    let out = "";
    s.on("data", (b) => {
      out += b.toString();
    });
    s.on("close", () => resolve(out));
    s.write(`CONNECT dead.test:${port} HTTP/1.1\r\n\r\n`);
  });
  assert.match(res, /^HTTP\/1\.1 502 /);
  assert.equal(lastDecision().decision, "error");
  assert.equal(lastDecision().reason, "ECONNREFUSED");
});

test("matching is exact: case-insensitive host, same port, no suffix or wildcard tricks", () => {
  const rules = [{ host: "API.example.com", port: 443 }];
  assert.ok(isAllowed(rules, "api.example.com", 443));
  assert.ok(isAllowed(rules, "api.example.com.", 443));
  assert.ok(!isAllowed(rules, "api.example.com", 80));
  assert.ok(!isAllowed(rules, "evil-api.example.com", 443));
  assert.ok(!isAllowed(rules, "example.com", 443));
  assert.ok(!isAllowed(rules, "api.example.com.evil.test", 443));
  assert.deepEqual(parseAuthority("[::1]:8080"), { host: "::1", port: 8080 });
  assert.equal(parseAuthority("a:b:1"), undefined);
  assert.equal(parseAuthority("host:0"), undefined);
});

test("MVM_EGRESS_RESOLVE parses name=address pairs", () => {
  assert.deepEqual(resolveOverrides("A.test=127.0.0.1, b.test = ::1,junk,=x"), {
    "a.test": "127.0.0.1",
    "b.test": "::1",
  });
  assert.deepEqual(resolveOverrides(undefined), {});
});
