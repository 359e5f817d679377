// Port forwards end to end (docs/adr/0011-port-forwards.md), with the repository's own service
// examples (examples/python/web, examples/node/web): the declared host port answers a real HTTP GET
// from this process; a second instance on the same host port fails before boot, naming the first;
// `--port web=0` picks a free port shown by up and ps; the guest still reaches nothing it did not
// declare (the host's forward included); each connection is in `logs --inbound`; after `down` the
// port refuses connections. Three VMs in all, one or two at a time.
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

const EXAMPLES = resolve(import.meta.dirname, "../../../../examples");
let h: E2eHome;

before(async () => {
  h = await e2eHome();
});
after(async () => {
  await h?.cleanup();
});

function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: "127.0.0.1", port, path, timeout: 20_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Resolves with the connect error code ("ECONNREFUSED"), or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((done) => {
    const s = connect({ host: "127.0.0.1", port });
    s.on("connect", () => {
      s.destroy();
      done("connected");
    });
    s.on("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

async function build(dir: string, entry: string): Promise<string> {
  const out = join(h.home, `compiled-${dir.replace(/\W/g, "-")}`);
  expectCode(h, await h.run(["compile", join(EXAMPLES, dir, entry), "--out", out]), 0, `compile ${dir}`);
  expectCode(h, await h.run(["build", out], { timeoutMs: 900_000 }), 0, `build ${dir}`);
  return out;
}

test("python service: reachable on its declared port, conflicts fail before boot, --port web=0, closed after down", async () => {
  const out = await build("python/web", "app.py");
  const declared = 18080;
  assert.equal(
    await tryConnect(declared),
    "ECONNREFUSED",
    `host port ${declared} must be free for this test`,
  );

  const up = await h.run(["up", out]);
  expectCode(h, up, 0, "up web");
  assert.match(up.stdout, /ports: 127\.0\.0\.1:18080 -> 8000 \(web\)/);
  const hello = await get(declared, "/hi");
  assert.equal(hello.status, 200);
  assert.deepEqual(JSON.parse(hello.body), { hello: "from the guest", path: "/hi" });

  // Same host port, another instance: refused before boot, the holder named.
  const t0 = Date.now();
  const clash = await h.run(["up", out, "--name", "web2"]);
  expectCode(h, clash, 1, "up web2 on the same port");
  assert.match(clash.stderr, /E_PORT_IN_USE/);
  assert.match(
    clash.stderr,
    /127\.0\.0\.1:18080 is already forwarded by mvm instance "web" \(mapping "web"\)/,
  );
  assert.match(clash.stderr, /--port web=PORT/);
  assert.ok(Date.now() - t0 < 15_000, "the conflict is found before any boot");
  const psAfterClash = JSON.parse((await h.run(["ps", "--json"])).stdout) as { name: string }[];
  assert.deepEqual(
    psAfterClash.map((r) => r.name),
    ["web"],
  );
  const unknown = await h.run(["up", out, "--name", "web2", "--port", "api=0"]);
  expectCode(h, unknown, 2, "up --port with an undeclared mapping");
  assert.match(unknown.stderr, /E_PORT_MAPPING_UNKNOWN.*"api".*declares web/s);

  // --port web=0: a free port, reported by up --json and ps, and reachable.
  const up2 = await h.run(["up", out, "--name", "web2", "--port", "web=0", "--json"]);
  expectCode(h, up2, 0, "up web2 --port web=0");
  const res2 = JSON.parse(up2.stdout) as {
    ports: { mapping_id: string; host_addr: string; host: number; guest: number }[];
  };
  const picked = res2.ports[0]?.host ?? 0;
  assert.equal(res2.ports[0]?.mapping_id, "web");
  assert.equal(res2.ports[0]?.host_addr, "127.0.0.1");
  assert.equal(res2.ports[0]?.guest, 8000);
  assert.ok(picked > 0 && picked !== declared, `picked ${picked}`);
  const ps = await h.run(["ps"]);
  assert.match(ps.stdout, new RegExp(`web2 .*127\\.0\\.0\\.1:${picked}->8000`));
  const psJson = JSON.parse((await h.run(["ps", "--json"])).stdout) as {
    name: string;
    ports: { host: number }[];
  }[];
  assert.equal(psJson.find((r) => r.name === "web2")?.ports[0]?.host, picked);
  assert.equal((await get(picked, "/x")).status, 200);

  // The guest still reaches nothing undeclared: not the host's forwarded ports through the slirp
  // host address, not its own loopback on the host port (nothing listens there in the guest).
  const probe = await h.run([
    "exec",
    "web",
    "--",
    "python3",
    "-c",
    `import socket
for host, port in [("10.0.2.2", ${declared}), ("10.0.2.2", ${picked}), ("127.0.0.1", ${declared}), ("1.1.1.1", 80)]:
    try:
        socket.create_connection((host, port), timeout=3).close()
        print(host, port, "connected")
    except OSError as e:
        print(host, port, "failed", type(e).__name__)`,
  ]);
  expectCode(h, probe, 0, "exec probe");
  assert.doesNotMatch(probe.stdout, /connected/, probe.stdout);
  assert.equal(probe.stdout.trim().split("\n").length, 4, probe.stdout);

  // Every inbound connection is logged: time, peer, mapping, bytes in/out.
  const inbound = await h.run(["logs", "web", "--inbound"]);
  expectCode(h, inbound, 0, "logs --inbound");
  const records = inbound.stdout
    .trim()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as {
          time: string;
          peer: string;
          mapping_id: string;
          bytes_in: number;
          bytes_out: number;
        },
    );
  const r = records.find((x) => x.mapping_id === "web" && x.bytes_out > 0);
  assert.ok(r, inbound.stdout);
  assert.match(r.peer, /^127\.0\.0\.1:\d+$/);
  assert.ok(r.bytes_in > 0 && !Number.isNaN(Date.parse(r.time)));

  expectCode(h, await h.run(["down", "web2"]), 0, "down web2");
  assert.equal(await tryConnect(picked), "ECONNREFUSED");
  expectCode(h, await h.run(["down", "web"]), 0, "down web");
  assert.equal(await tryConnect(declared), "ECONNREFUSED");
});

test("node service: reachable on its declared port, the guest reaches nothing undeclared, closed after down", async () => {
  const out = await build("node/web", "app.ts");
  const declared = 18081;
  const up = await h.run(["up", out, "--json"]);
  expectCode(h, up, 0, "up web-node");
  const res = JSON.parse(up.stdout) as { name: string; ports: { host: number; guest: number }[] };
  assert.deepEqual(
    res.ports.map((p) => [p.host, p.guest]),
    [[declared, 8000]],
  );
  const hello = await get(declared, "/from-node-test");
  assert.equal(hello.status, 200);
  assert.deepEqual(JSON.parse(hello.body), { hello: "from the guest", path: "/from-node-test" });
  assert.equal((await get(declared, "/health")).body, "ok\n");

  const probe = await h.run([
    "exec",
    res.name,
    "--",
    "node",
    "-e",
    `const net = require("node:net");
for (const [host, port] of [["10.0.2.2", ${declared}], ["10.0.2.2", 22]]) {
  const s = net.connect({ host, port, timeout: 3000 });
  s.on("connect", () => { console.log(host, port, "connected"); s.destroy(); });
  s.on("timeout", () => { console.log(host, port, "failed timeout"); s.destroy(); });
  s.on("error", (e) => console.log(host, port, "failed", e.code));
}`,
  ]);
  expectCode(h, probe, 0, "exec probe");
  assert.doesNotMatch(probe.stdout, /connected/, probe.stdout);
  assert.equal(probe.stdout.trim().split("\n").length, 2, probe.stdout);

  expectCode(h, await h.run(["down", res.name]), 0, "down");
  assert.equal(await tryConnect(declared), "ECONNREFUSED");
});
