// Live mode end to end with the real mvmctl: a python-3.12 sandbox is compiled, built and booted
// under QEMU, then exec, files and a background command are driven through it, and kill stops it.
// Uses a temp MVM_HOME and the shared download cache (MVM_CACHE_DIR, default /tmp/mvm-test-cache).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { NotFoundError, Sandbox } from "../src/index.js";

const CLI = resolve(import.meta.dirname, "../../mvmctl/bin/mvmctl.js");
const home = mkdtempSync(join(tmpdir(), "mvm-sdk-e2e-"));
const saved = { ...process.env };

before(() => {
  Object.assign(process.env, {
    MVM_SDK_MODE: "live",
    MVM_CLI_BIN: CLI,
    MVM_HOME: home,
    MVM_CACHE_DIR: process.env.MVM_CACHE_DIR ?? "/tmp/mvm-test-cache",
    MVM_BUILD_BACKEND: process.env.MVM_BUILD_BACKEND ?? "debian",
  });
});

after(() => {
  // Never leave a VM behind, even when an assertion failed half-way.
  spawnSync(process.execPath, [CLI, "down", "--all", "-q"], { env: process.env, stdio: "ignore" });
  for (const k of ["MVM_SDK_MODE", "MVM_CLI_BIN", "MVM_HOME", "MVM_CACHE_DIR", "MVM_BUILD_BACKEND"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(home, { recursive: true, force: true });
});

test("python-3.12 sandbox: exec, files, background command, kill", { timeout: 600_000 }, async () => {
  const sb = await Sandbox.create("python-3.12", { workloadId: "sdk-e2e" });
  assert.match(sb.name!, /^sdk-e2e-[0-9a-f]{8}$/);
  assert.ok(existsSync(join(home, "instances", sb.name!)));

  // Images built today are dev images (runtime.json dev: true), so exec is accepted.
  const r = await sb.exec(["python3", "-c", "print(6*7)"]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, "42\n");

  const bad = await sb.exec(["python3", "-c", "import sys; sys.stderr.write('no'); sys.exit(3)"]);
  assert.deepEqual([bad.exitCode, bad.stdout, bad.stderr], [3, "", "no"]);

  await sb.files.write("/tmp/work/in.txt", "hello from the host\n");
  assert.equal(Buffer.from(await sb.files.read("/tmp/work/in.txt")).toString(), "hello from the host\n");
  assert.equal((await sb.files.stat("/tmp/work/in.txt")).size, 20);

  // A background command outlives the exec call that started it and writes to its log file.
  const h = await sb.commands.start([
    "python3",
    "-c",
    "import time; print('bg up', flush=True); time.sleep(600)",
  ]);
  let log = "";
  for (let i = 0; i < 50 && !log.includes("bg up"); i++) {
    await new Promise((ok) => setTimeout(ok, 200));
    log = Buffer.from(await sb.files.read(h!.logPath)).toString();
  }
  assert.equal(log, "bg up\n");
  const alive = await sb.exec(["/bin/sh", "-c", `kill -0 ${h!.pid}`]);
  assert.equal(alive.exitCode, 0, `pid ${h!.pid} should still run: ${alive.stderr}`);

  // A missing program is mvmctl's error, not a result.
  await assert.rejects(
    sb.exec(["no-such-program"]),
    (e: unknown) => e instanceof NotFoundError && /no-such-program/.test(e.message),
  );

  await sb.kill();
  await sb.kill();
  assert.deepEqual(readdirSync(join(home, "instances")), []);
});
