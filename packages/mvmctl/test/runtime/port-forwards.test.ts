// Inbound port forwards without a VM (docs/adr/0011-port-forwards.md): `--port` parsing, the
// declared ports as `up` resolves them (udp/http/tls refused), conflict detection with the holder
// named (another instance, or a process found through /proc), the guest relay's command line, the
// QEMU hostfwd rules, and the forwarder on real loopback sockets (bytes both ways, half-close, the
// inbound log, a dead guest side, close).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { isMvmError } from "@mvm/ir/errors";
import { createForwarder, type InboundRecord } from "../../src/runtime/network/ingress-forwarder.js";
import { startIngressForwarder, stopIngressForwarder } from "../../src/runtime/network/ingress-process.js";
import {
  checkForwardsFree,
  describeHolder,
  findHolder,
  formatForward,
  freeLoopbackPort,
  listeningInodes,
  parsePortOverrides,
  RELAY_PORT_BASE,
  relayCmdline,
  resolveForwards,
} from "../../src/runtime/network/ports.js";
import { processAlive } from "../../src/runtime/proc.js";
import { networkArgs } from "../../src/runtime/vmm/qemu-args.js";

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

function listen(s: Server, port = 0): Promise<number> {
  servers.push(s);
  return new Promise((resolve) =>
    s.listen(port, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)),
  );
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isMvmError(e) ? e.code : String(e);
  }
  return undefined;
}

const declared = [
  {
    mapping_id: "web",
    proto: "tcp",
    host_addr: "127.0.0.1",
    host: 8080,
    guest_addr: "127.0.0.1",
    guest: 8000,
    transform: "opaque",
  },
];

test("--port: MAPPING=PORT, =0, =ADDR:PORT; malformed, out of range and repeated are usage errors", () => {
  assert.deepEqual(parsePortOverrides(["web=8081", "api=0", "adm=127.0.0.2:9000"]), [
    { mapping_id: "web", host: 8081 },
    { mapping_id: "api", host: 0 },
    { mapping_id: "adm", host: 9000, host_addr: "127.0.0.2" },
  ]);
  assert.deepEqual(parsePortOverrides(["v6=[::1]:9000"]), [
    { mapping_id: "v6", host: 9000, host_addr: "::1" },
  ]);
  for (const bad of ["web", "web=", "=80", "web=http", "web=70000", "Web=80", "web=-1"])
    assert.equal(
      code(() => parsePortOverrides([bad])),
      "E_USAGE",
      bad,
    );
  assert.equal(
    code(() => parsePortOverrides(["web=1", "web=2"])),
    "E_USAGE",
  );
});

test("declared ports resolve with overrides; unknown mappings, udp, http and tls are refused", () => {
  assert.deepEqual(resolveForwards(declared, []), [
    { mapping_id: "web", proto: "tcp", host_addr: "127.0.0.1", host: 8080, guest: 8000, transform: "opaque" },
  ]);
  assert.equal(resolveForwards(declared, [{ mapping_id: "web", host: 0 }])[0]?.host, 0);
  assert.equal(resolveForwards(undefined, []).length, 0);
  assert.equal(
    code(() => resolveForwards(declared, [{ mapping_id: "api", host: 1 }])),
    "E_PORT_MAPPING_UNKNOWN",
  );
  assert.equal(
    code(() => resolveForwards([], [{ mapping_id: "web", host: 1 }])),
    "E_PORT_MAPPING_UNKNOWN",
  );
  assert.equal(
    code(() => resolveForwards([{ ...declared[0], proto: "udp" }], [])),
    "E_PORT_UNSUPPORTED",
  );
  for (const transform of ["http", "tls"]) {
    try {
      resolveForwards([{ ...declared[0], transform }], []);
      assert.fail("accepted");
    } catch (e) {
      assert.ok(isMvmError(e) && e.code === "E_PORT_UNSUPPORTED");
      assert.match((e as Error).message, new RegExp(`transform "${transform}" is not supported yet`));
    }
  }
  assert.equal(formatForward({ host_addr: "127.0.0.1", host: 8080, guest: 8000 }), "127.0.0.1:8080 -> 8000");
});

test("the guest relay word and the hostfwd rules: inbound only, next to the one guestfwd", () => {
  assert.deepEqual(relayCmdline([]), []);
  assert.deepEqual(relayCmdline([{ guest: 8000 }, { guest: 9000 }]), [
    `mvm.fwd=${RELAY_PORT_BASE}-8000,${RELAY_PORT_BASE + 1}-9000`,
  ]);
  const args = networkArgs({
    networkMode: "bridge",
    egressConnect: ["/x/connect", "/x/egress.sock"],
    hostForwards: [{ hostPort: 41234, guestPort: RELAY_PORT_BASE }],
  });
  const netdev = args[1] ?? "";
  assert.match(netdev, /restrict=on/);
  assert.ok(netdev.endsWith(`,hostfwd=tcp:127.0.0.1:41234-10.0.2.15:${RELAY_PORT_BASE}`), netdev);
  assert.equal(netdev.match(/guestfwd=/g)?.length, 1);
  assert.doesNotMatch(networkArgs({ networkMode: "bridge", egressConnect: ["c"] })[1] ?? "", /hostfwd/);
});

test("conflicts: another instance's claim is named; a process's port is found (pid and program)", async () => {
  const held = await listen(createServer());
  const f = { ...resolveForwards(declared, [{ mapping_id: "web", host: held }])[0] } as ReturnType<
    typeof resolveForwards
  >[number];
  await assert.rejects(
    checkForwardsFree([f], [{ instance: "other", mapping_id: "api", host_addr: "127.0.0.1", host: held }]),
    (e: Error) =>
      isMvmError(e) && e.code === "E_PORT_IN_USE" && /mvm instance "other" \(mapping "api"\)/.test(e.message),
  );
  await assert.rejects(
    checkForwardsFree([f], []),
    (e: Error) =>
      isMvmError(e) &&
      e.code === "E_PORT_IN_USE" &&
      e.message.includes(`127.0.0.1:${held} is in use by another process (pid ${process.pid}`),
  );
  assert.equal(findHolder(held)?.pid, process.pid);
  assert.match(describeHolder(held), new RegExp(`pid ${process.pid}`));
  // A free port, and port 0, pass.
  const free = await freeLoopbackPort();
  await checkForwardsFree(
    [
      { ...f, host: free },
      { ...f, host: 0 },
    ],
    [],
  );
  assert.equal(describeHolder(free), "in use by another process");
});

test("/proc/net/tcp: only LISTEN rows of the port count", () => {
  const table = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1",
    "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 999 1",
    "   2: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1",
  ].join("\n");
  assert.deepEqual(listeningInodes(table, 8080), ["4242"]);
});

test("forwarder: bytes both ways with half-close, one inbound record per connection, dead guest side", async () => {
  // The "guest": reads everything, then answers with what it got, reversed, and closes.
  const guest = createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("end", () => s.end(Buffer.concat(chunks).reverse()));
  });
  const guestPort = await listen(guest);
  const deadPort = await freeLoopbackPort();
  const records: InboundRecord[] = [];
  const fwd = createForwarder({
    listeners: [
      { mapping_id: "web", host_addr: "127.0.0.1", host: 0, guest: 8000, target_port: guestPort },
      { mapping_id: "dead", host_addr: "127.0.0.1", host: 0, guest: 9000, target_port: deadPort },
    ],
    log: (r) => records.push(r),
  });
  const bound = await fwd.listen();
  const web = bound.find((b) => b.mapping_id === "web")?.host ?? 0;
  assert.ok(web > 0);
  const reply = await new Promise<string>((resolve, reject) => {
    const c = connect({ host: "127.0.0.1", port: web, allowHalfOpen: true });
    const got: Buffer[] = [];
    c.on("data", (d: Buffer) => got.push(d));
    c.on("end", () => resolve(Buffer.concat(got).toString()));
    c.on("error", reject);
    c.end("hello guest");
  });
  assert.equal(reply, "tseug olleh");
  const dead = bound.find((b) => b.mapping_id === "dead")?.host ?? 0;
  await new Promise<void>((resolve) => {
    const c = connect({ host: "127.0.0.1", port: dead });
    c.on("close", () => resolve());
    c.on("error", () => undefined);
  });
  for (let i = 0; i < 50 && records.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const w = records.find((r) => r.mapping_id === "web");
  assert.ok(w, JSON.stringify(records));
  assert.equal(w.bytes_in, 11);
  assert.equal(w.bytes_out, 11);
  assert.match(w.peer, /^127\.0\.0\.1:\d+$/);
  assert.equal(w.host, `127.0.0.1:${web}`);
  assert.ok(!Number.isNaN(Date.parse(w.time)));
  const d = records.find((r) => r.mapping_id === "dead");
  assert.match(d?.error ?? "", /guest: ECONNREFUSED/);
  await fwd.close();
  await new Promise<void>((resolve) => {
    const c = connect({ host: "127.0.0.1", port: web });
    c.on("error", (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, "ECONNREFUSED");
      resolve();
    });
  });
});

test("forwarder: a bind conflict names its mapping", async () => {
  const held = await listen(createServer());
  const fwd = createForwarder({
    listeners: [{ mapping_id: "web", host_addr: "127.0.0.1", host: held, guest: 1, target_port: 1 }],
    log: () => undefined,
  });
  await assert.rejects(
    fwd.listen(),
    (e: NodeJS.ErrnoException & { mapping_id?: string }) => e.code === "EADDRINUSE" && e.mapping_id === "web",
  );
  await fwd.close();
});

test("forwarder process: detached, reports bound ports, a conflict is its error, stops on SIGTERM", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mvm-ingress-"));
  after(() => rm(dir, { recursive: true, force: true }));
  const cfg = (host: number) => ({
    listeners: [{ mapping_id: "web", host_addr: "127.0.0.1", host, guest: 8000, target_port: 1 }],
    log: join(dir, "inbound.log"),
    ready: join(dir, "ready.json"),
  });
  const config = join(dir, "ingress.json");
  const started = await startIngressForwarder(config, cfg(0), join(dir, "out.log"));
  assert.equal(started.bound[0]?.mapping_id, "web");
  const port = started.bound[0]?.host ?? 0;
  assert.ok(port > 0);
  assert.ok(processAlive(started.pid, config));
  assert.equal(findHolder(port)?.pid, started.pid);
  const config2 = join(dir, "ingress2.json");
  await assert.rejects(
    startIngressForwarder(config2, { ...cfg(port), ready: join(dir, "ready2.json") }, join(dir, "out2.log")),
    (e: Error & { code?: string; mapping_id?: string }) => e.code === "EADDRINUSE" && e.mapping_id === "web",
  );
  await stopIngressForwarder(started.pid, config);
  assert.ok(!processAlive(started.pid, config));
  assert.equal(
    await (await import("../../src/runtime/network/ports.js")).tryBind("127.0.0.1", port),
    undefined,
  );
});
