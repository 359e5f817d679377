// The per-connection egress connector (agent/host/egress-connect.c) that QEMU's guestfwd runs: it
// splices its stdin/stdout to the proxy's unix socket both ways, passes the guest's EOF on as a
// half-close, and exits once the proxy side is done. Its resident size is reported (not asserted).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connectorArgv, connectorPath } from "../../src/runtime/network/egress-process.js";

let dir = "";
let server: Server;
let sock = "";
let serverSawEof = false;

before(async () => {
  // The Makefile target is a no-op when the binary is up to date.
  const make = spawnSync("make", ["-s", "-C", join(connectorPath(), "../.."), "build/mvm-egress-connect"], {
    encoding: "utf8",
  });
  assert.equal(make.status, 0, make.stderr);
  dir = await mkdtemp(join(tmpdir(), "mvm-connector-"));
  sock = join(dir, "egress.sock");
  // Stands in for the proxy: upper-cases what it gets, says "bye" after the client's EOF.
  server = createServer({ allowHalfOpen: true }, (s) => {
    s.on("data", (b) => s.write(b.toString("latin1").toUpperCase(), "latin1"));
    s.on("end", () => {
      serverSawEof = true;
      s.end("bye");
    });
  });
  await new Promise<void>((r) => server.listen(sock, () => r()));
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

function vmRssKiB(pid: number): number | undefined {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : undefined;
}

test("the connector splices bytes both ways and exits 0 when the conversation is over", async (t) => {
  assert.ok(existsSync(connectorPath()));
  const [bin, ...args] = connectorArgv(sock);
  const child = spawn(bin as string, args, { stdio: ["pipe", "pipe", "ignore"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString("latin1");
  });
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  child.stdin.write("hello");
  while (!out.includes("HELLO")) await new Promise((r) => setTimeout(r, 10));
  const rss = vmRssKiB(child.pid as number);
  t.diagnostic(`mvm-egress-connect VmRSS while connected: ${rss} KiB`);
  child.stdin.end();
  assert.equal(await exited, 0);
  assert.equal(out, "HELLObye");
  assert.ok(serverSawEof, "the guest's EOF reached the proxy as a half-close");
});

test("a megabyte each way arrives intact", async () => {
  const payload = randomBytes(1 << 20)
    .toString("hex")
    .slice(0, 1 << 20); // lower-case hex
  const [bin, ...args] = connectorArgv(sock);
  const child = spawn(bin as string, args, { stdio: ["pipe", "pipe", "ignore"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => chunks.push(b));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  child.stdin.end(payload);
  assert.equal(await exited, 0);
  const got = Buffer.concat(chunks).toString("latin1");
  const want = `${payload.toUpperCase()}bye`;
  assert.equal(got.length, want.length);
  assert.equal(
    createHash("sha256").update(got).digest("hex"),
    createHash("sha256").update(want).digest("hex"),
  );
});

test("no proxy socket: exits non-zero at once and writes nothing", async () => {
  const child = spawn(connectorPath(), [join(dir, "missing.sock")], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
  assert.notEqual(code, 0);
  assert.equal(out, "", "nothing may reach the guest's socket");
});
