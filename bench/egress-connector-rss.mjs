#!/usr/bin/env node
// Resident size of one egress connector process while a connection is open (issue 11): the static
// C connector QEMU's guestfwd runs now (agent/build/mvm-egress-connect) against the Node splice
// script it ran before (the old libexec/egress-connect.mjs, read from git). Loopback/unix only.
//   node bench/egress-connector-rss.mjs [connections=8]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const n = Number(process.argv[2] ?? 8);
const dir = mkdtempSync(path.join(tmpdir(), "mvm-connector-bench-"));
const sock = path.join(dir, "egress.sock");
const oldScript = path.join(dir, "egress-connect.mjs");
writeFileSync(
  oldScript,
  execFileSync("git", ["-C", root, "show", "11c5d95:packages/mvmctl/libexec/egress-connect.mjs"]),
);
execFileSync("make", ["-s", "-C", path.join(root, "agent"), "build/mvm-egress-connect"]);
const server = createServer((s) => s.pipe(s));
await new Promise((r) => server.listen(sock, r));

const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

async function measure(name, argv) {
  const samples = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const c = spawn(argv[0], [...argv.slice(1), sock], { stdio: ["pipe", "pipe", "ignore"] });
    const first = new Promise((r) => c.stdout.once("data", r));
    c.stdin.write("ping");
    await first; // connected and spliced one round trip
    samples.push(rssKiB(c.pid));
    const done = new Promise((r) => c.on("close", r));
    c.stdin.end();
    await done;
  }
  const ms = (performance.now() - t0) / n;
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(
    `${name.padEnd(22)} VmRSS median ${String(median).padStart(6)} KiB  (${n} connections, ${ms.toFixed(1)} ms per connection incl. start)`,
  );
}

await measure("C mvm-egress-connect", [path.join(root, "agent/build/mvm-egress-connect")]);
await measure("Node egress-connect.mjs", [process.execPath, oldScript]);
server.close();
rmSync(dir, { recursive: true, force: true });
