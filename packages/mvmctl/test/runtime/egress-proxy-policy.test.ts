// Issue 11 at dial time: the egress proxy resolves a declared name once, checks every address
// against the egress policy and dials exactly the checked address; loopback is reachable only
// through the test-only resolve override. Plus the connection limits: complete-head cap, Host
// header = request target, 64 concurrent connections, idle timeout.
//
// Safety of the test itself: nothing here can leave loopback even if the proxy were broken. Names
// "resolve" to private/metadata addresses only through an injected resolver, and those proxies get
// an injected connect that records the address and always dials the local marker server instead.
// The only proxies with the real connect are asked for loopback literals (0, 127.1, [::1], ...).
import assert from "node:assert/strict";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { createEgressProxy, type EgressDecision } from "../../src/runtime/network/egress-proxy.js";

const servers: Server[] = [];
const sockets: Socket[] = [];
let markerPort = 0;
let markerHits = 0;
let echoPort = 0;

function listen(s: Server, host = "127.0.0.1"): Promise<number> {
  servers.push(s);
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as AddressInfo).port)));
}

before(async () => {
  markerPort = await listen(
    createServer((s) => {
      markerHits++;
      s.pipe(s);
    }),
  );
  echoPort = await listen(createServer((s) => s.pipe(s)));
});

after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

/** A proxy whose resolver and dialler are test doubles; every dial lands on the marker. */
function sandboxedProxy(names: Record<string, string[]>, extra: { resolve?: Map<string, string> } = {}) {
  const decisions: EgressDecision[] = [];
  const dialled: string[] = [];
  const lookups: string[] = [];
  const proxy = createEgressProxy({
    allowlist: [...Object.keys(names), ...(extra.resolve?.keys() ?? [])].map((host) => ({
      host,
      port: markerPort,
    })),
    log: (d) => decisions.push(d),
    resolve: extra.resolve,
    lookup: async (name) => {
      lookups.push(name);
      const a = names[name];
      if (!a) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return a;
    },
    connect: (address) => {
      dialled.push(address);
      return connect(markerPort, "127.0.0.1");
    },
  });
  return { proxy, decisions, dialled, lookups };
}

function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    sockets.push(s);
    let out = "";
    s.on("data", (b) => {
      out += b.toString("latin1");
      // An allowed tunnel stays open: the status line is all these tests need.
      if (out.startsWith("HTTP/1.1 200") && out.includes("\r\n\r\n")) s.destroy();
    });
    s.on("error", reject);
    s.on("close", () => resolve(out));
    s.write(data);
  });
}

describe("dial time: resolve once, check every address, dial the checked one", () => {
  test("names resolving to loopback, private, metadata or mixed addresses are refused; the marker sees nothing", async () => {
    const { proxy, decisions, dialled, lookups } = sandboxedProxy({
      "loop.test": ["127.0.0.1"],
      "private.test": ["10.1.2.3"],
      "meta.test": ["169.254.169.254"],
      "cgnat.test": ["100.64.0.1"],
      "mapped.test": ["::ffff:127.0.0.1"],
      "ula.test": ["fd00:ec2::254"],
      "mixed.test": ["93.184.216.34", "10.0.0.1"],
    });
    const port = await listen(proxy);
    const expected: [string, RegExp][] = [
      ["loop.test", /^resolves to 127\.0\.0\.1: loopback$/],
      ["private.test", /^resolves to 10\.1\.2\.3: private/],
      ["meta.test", /^resolves to 169\.254\.169\.254: a cloud metadata address$/],
      ["cgnat.test", /CGNAT/],
      ["mapped.test", /loopback \(IPv4-mapped 127\.0\.0\.1\)/],
      ["ula.test", /cloud metadata address/],
      ["mixed.test", /^resolves to 10\.0\.0\.1: private/],
    ];
    for (const [name, reason] of expected) {
      const res = await exchange(port, `CONNECT ${name}:${markerPort} HTTP/1.1\r\nHost: ${name}\r\n\r\n`);
      assert.match(res, /^HTTP\/1\.1 403 Forbidden/, name);
      const d = decisions.at(-1);
      assert.equal(d?.decision, "deny", name);
      assert.equal(d?.host, name);
      assert.match(d?.reason ?? "", reason, name);
    }
    assert.deepEqual(dialled, [], "nothing was dialled");
    assert.equal(markerHits, 0, "the marker server received no connection");
    assert.deepEqual(
      lookups,
      expected.map(([n]) => n),
      "one lookup per request",
    );
  });

  test("a public address is dialled exactly as checked, after exactly one lookup", async () => {
    const { proxy, decisions, dialled, lookups } = sandboxedProxy({
      "public.test": ["93.184.216.34", "93.184.216.35"],
    });
    const port = await listen(proxy);
    const before = markerHits;
    const res = await exchange(port, `CONNECT PUBLIC.test.:${markerPort} HTTP/1.1\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 200 /);
    assert.deepEqual(dialled, ["93.184.216.34"], "the checked address, not a name to resolve again");
    assert.deepEqual(lookups, ["public.test"]);
    assert.deepEqual(
      (({ decision, host, address }) => ({ decision, host, address }))(decisions.at(-1) as EgressDecision),
      { decision: "allow", host: "public.test", address: "93.184.216.34" },
    );
    // The injected connect redirected that dial to the local marker (the test never leaves loopback).
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(markerHits, before + 1);
    markerHits = before;
  });

  test("the test resolve override reaches loopback, and nothing else that is forbidden", async () => {
    const { proxy, decisions, dialled } = sandboxedProxy(
      {},
      {
        resolve: new Map([
          ["private-override.test", "10.1.2.3"],
          ["meta-override.test", "169.254.169.254"],
          ["name-override.test", "localhost"],
        ]),
      },
    );
    const port = await listen(proxy);
    for (const name of ["private-override.test", "meta-override.test", "name-override.test"]) {
      const res = await exchange(port, `CONNECT ${name}:${markerPort} HTTP/1.1\r\n\r\n`);
      assert.match(res, /^HTTP\/1\.1 403 /, name);
      assert.equal(decisions.at(-1)?.decision, "deny");
    }
    assert.deepEqual(dialled, []);
    assert.equal(markerHits, 0);
  });

  test("loopback and unspecified literals (any spelling) and localhost are refused with the real dialler", async () => {
    // Here the real net.connect is in place: every target below can only ever mean this host.
    const decisions: EgressDecision[] = [];
    const grants = ["0", "127.1", "0x7f000001", "[::1]", "[::ffff:127.0.0.1]", "localhost", "app.localhost"];
    const proxy = createEgressProxy({
      allowlist: grants.map((host) => ({ host, port: markerPort })),
      log: (d) => decisions.push(d),
    });
    const port = await listen(proxy);
    const requests = [
      `CONNECT 0:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT 0.0.0.0:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT 127.1:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT 2130706433:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT 0177.0.0.1:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT [::1]:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT [::ffff:7f00:1]:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT localhost:${markerPort} HTTP/1.1\r\n\r\n`,
      `CONNECT app.localhost:${markerPort} HTTP/1.1\r\n\r\n`,
      `GET http://0x7f.1:${markerPort}/ HTTP/1.1\r\nHost: 127.0.0.1:${markerPort}\r\n\r\n`,
    ];
    for (const r of requests) {
      const res = await exchange(port, r);
      assert.match(res, /^HTTP\/1\.1 403 /, r);
      assert.equal(decisions.at(-1)?.decision, "deny", r);
      assert.match(decisions.at(-1)?.reason ?? "", /unspecified|loopback|localhost/, r);
    }
    assert.equal(markerHits, 0, "the marker server received no connection");
  });

  test("a failed lookup is a 502 and an error line", async () => {
    const { proxy, decisions } = sandboxedProxy({ "known.test": ["93.184.216.34"] });
    (proxy as Server).close();
    const p2 = createEgressProxy({
      allowlist: [{ host: "gone.test", port: 443 }],
      log: (d) => decisions.push(d),
      lookup: async () => {
        throw Object.assign(new Error("nope"), { code: "ENOTFOUND" });
      },
      connect: () => connect(markerPort, "127.0.0.1"),
    });
    const port = await listen(p2);
    const res = await exchange(port, "CONNECT gone.test:443 HTTP/1.1\r\n\r\n");
    assert.match(res, /^HTTP\/1\.1 502 /);
    assert.deepEqual((({ decision, reason }) => ({ decision, reason }))(decisions.at(-1) as EgressDecision), {
      decision: "error",
      reason: "ENOTFOUND",
    });
  });
});

describe("connection limits", () => {
  test("plain HTTP needs exactly one Host header naming the request target", async () => {
    const decisions: EgressDecision[] = [];
    const dialled: string[] = [];
    const proxy = createEgressProxy({
      allowlist: [
        { host: "a.test", port: 80 },
        { host: "b.test", port: 80 },
      ],
      log: (d) => decisions.push(d),
      lookup: async () => ["93.184.216.34"],
      connect: (address) => {
        dialled.push(address);
        return connect(markerPort, "127.0.0.1");
      },
    });
    const port = await listen(proxy);
    for (const [req, reason] of [
      ["GET http://a.test/ HTTP/1.1\r\nHost: b.test\r\n\r\n", /does not match/],
      ["GET http://a.test/ HTTP/1.1\r\nHost: a.test:8080\r\n\r\n", /does not match/],
      ["GET http://a.test/ HTTP/1.1\r\n\r\n", /exactly one Host/],
      ["GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", /exactly one Host/],
    ] as const) {
      const res = await exchange(port, req);
      assert.match(res, /^HTTP\/1\.1 400 /, req);
      assert.match(decisions.at(-1)?.reason ?? "", reason, req);
    }
    assert.deepEqual(dialled, []);
    const before = markerHits;
    // Same host in another spelling (case, trailing dot, explicit default port) is the same target.
    const ok = await exchange(port, "GET http://a.test/x HTTP/1.1\r\nHost: A.TEST.:80\r\n\r\n");
    assert.equal(decisions.at(-1)?.decision, "allow", ok);
    assert.deepEqual(dialled, ["93.184.216.34"]);
    await new Promise((r) => setTimeout(r, 50));
    markerHits = before;
  });

  test("the 65th concurrent connection is refused with 503; a slot frees up when one closes", async () => {
    const decisions: EgressDecision[] = [];
    const proxy = createEgressProxy({ allowlist: [], log: (d) => decisions.push(d) });
    const port = await listen(proxy);
    const open: Socket[] = [];
    for (let i = 0; i < 64; i++) {
      const s = connect(port, "127.0.0.1");
      sockets.push(s);
      open.push(s);
      await new Promise<void>((r) => s.once("connect", () => r()));
      s.write("CONNECT x"); // an unfinished head keeps the slot busy
    }
    // Let the server register all 64 before the next one arrives.
    await new Promise<void>((r) => (proxy as Server).getConnections(() => r()));
    await new Promise((r) => setTimeout(r, 50));
    const res = await exchange(port, "CONNECT a.test:443 HTTP/1.1\r\n\r\n");
    assert.match(res, /^HTTP\/1\.1 503 /);
    assert.match(decisions.at(-1)?.reason ?? "", /too many concurrent connections \(64\)/);
    const first = open.shift() as Socket;
    await new Promise<void>((r) => {
      first.once("close", () => r());
      first.destroy();
    });
    await new Promise((r) => setTimeout(r, 50));
    const again = await exchange(port, "CONNECT a.test:443 HTTP/1.1\r\n\r\n");
    assert.match(again, /^HTTP\/1\.1 403 /, "a freed slot takes a new connection");
    for (const s of open) s.destroy();
  });

  test("an idle tunnel is closed after the idle timeout", async () => {
    const proxy = createEgressProxy({
      allowlist: [{ host: "echo.test", port: echoPort }],
      resolve: new Map([["echo.test", "127.0.0.1"]]),
      log: () => {},
      idleTimeoutMs: 300,
    });
    const port = await listen(proxy);
    const s = connect(port, "127.0.0.1");
    sockets.push(s);
    let got = "";
    const established = new Promise<void>((r) =>
      s.on("data", (b) => {
        got += b.toString();
        if (got.includes("\r\n\r\n")) r();
      }),
    );
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    s.write(`CONNECT echo.test:${echoPort} HTTP/1.1\r\n\r\n`);
    await established;
    assert.match(got, /^HTTP\/1\.1 200 /);
    // No bytes either way from now on: the proxy must close the tunnel by itself.
    await closed;
    assert.ok(s.destroyed);
  });
});
