import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import { silentReporter } from "../../src/cli/reporter.js";
import { writeFileAtomic } from "../../src/lib/atomic-write.js";
import { down, shutdownLines } from "../../src/runtime/down.js";
import {
  type InstanceState,
  listInstances,
  readState,
  validateInstanceName,
  writeState,
} from "../../src/runtime/instances.js";
import { instancePaths } from "../../src/runtime/paths.js";
import { processAlive } from "../../src/runtime/proc.js";
import { formatPsTable, formatUptime, ps } from "../../src/runtime/ps.js";
import {
  mintSecretTokens,
  readInstanceSecrets,
  writeInstanceSecrets,
} from "../../src/secrets/instance-tokens.js";

async function home(): Promise<string> {
  return mkdtemp(join(tmpdir(), "mvm-rt-unit-"));
}

function stateFor(h: string, name: string, pid: number): InstanceState {
  const p = instancePaths(h, name);
  return {
    name,
    workload_id: "w",
    app: "a",
    digest: "d".repeat(64),
    image_dir: "/nowhere",
    pid,
    accel: "tcg",
    vmm: "qemu",
    cpus: 1,
    memory_mb: 256,
    status: "running",
    started_at: new Date(Date.now() - 65_000).toISOString(),
    boot_ms: 1234,
    agent_socket: p.agentSocket,
    qmp_socket: p.qmpSocket,
    console_log: p.consoleLog,
  };
}

/** A live process whose argv names the instance's qmp.sock, like QEMU's does. */
function fakeVm(marker: string) {
  return spawn("sh", ["-c", "sleep 60", marker], { stdio: "ignore" });
}

test("writeFileAtomic leaves no temp files and sets the mode", async () => {
  const h = await home();
  const p = join(h, "sub/state.json");
  await writeFileAtomic(p, "one");
  await writeFileAtomic(p, "two");
  assert.equal(readFileSync(p, "utf8"), "two");
  assert.deepEqual(readdirSync(join(h, "sub")), ["state.json"]);
  assert.equal(statSync(p).mode & 0o777, 0o600);
});

test("a running VM reads as running; a dead or reused pid reads as failed", async () => {
  const h = await home();
  const vm = fakeVm(instancePaths(h, "alive").qmpSocket);
  try {
    await writeState(h, stateFor(h, "alive", vm.pid as number));
    assert.equal((await readState(h, "alive"))?.status, "running");
    // A live pid that is some other process (pid reuse): not our VM.
    await writeState(h, stateFor(h, "reused", vm.pid as number));
    assert.equal((await readState(h, "reused"))?.status, "failed");
  } finally {
    vm.kill("SIGKILL");
  }
  await new Promise((r) => vm.once("exit", r));
  assert.equal(processAlive(vm.pid as number, instancePaths(h, "alive").qmpSocket), false);
  assert.equal((await readState(h, "alive"))?.status, "failed");
});

test("ps lists instances sorted, with uptime; failed ones show no uptime", async () => {
  const h = await home();
  const vm = fakeVm(instancePaths(h, "b-up").qmpSocket);
  try {
    await writeState(h, stateFor(h, "b-up", vm.pid as number));
    await writeState(h, stateFor(h, "a-dead", 999_999_999));
    const rows = await ps(h);
    assert.deepEqual(
      rows.map((r) => [r.name, r.status]),
      [
        ["a-dead", "failed"],
        ["b-up", "running"],
      ],
    );
    assert.ok((rows[1]?.uptime_ms ?? 0) >= 65_000);
    const table = formatPsTable(rows).split("\n");
    assert.match(
      table[0] ?? "",
      /^NAME\s+WORKLOAD\s+STATUS\s+ACCEL\s+CPUS\s+MEMORY\s+UPTIME\s+PORTS\s+START$/,
    );
    assert.match(table[1] ?? "", /^a-dead\s+w\s+failed\s+tcg\s+1\s+256M\s+-\s+-\s+-$/);
    assert.match(table[2] ?? "", /^b-up\s+w\s+running\s+tcg\s+1\s+256M\s+1m0[5-9]s\s+-\s+-$/);
  } finally {
    vm.kill("SIGKILL");
  }
  assert.equal(formatUptime(3_725_000), "1h02m");
});

test("down of a failed instance removes its state; unknown names are E_INSTANCE_NOT_FOUND", async () => {
  const h = await home();
  await writeState(h, stateFor(h, "gone", 999_999_999));
  const r = await down({ home: h, name: "gone", reporter: silentReporter });
  assert.equal(r.how, "not-running");
  assert.equal(existsSync(instancePaths(h, "gone").dir), false);
  assert.deepEqual(await listInstances(h), []);
  await assert.rejects(
    down({ home: h, name: "gone", reporter: silentReporter }),
    (e: unknown) => isMvmError(e) && e.code === "E_INSTANCE_NOT_FOUND",
  );
  // A dir left by an interrupted `up` (no state.json) is cleaned too.
  await mkdir(instancePaths(h, "half").dir, { recursive: true });
  assert.equal((await down({ home: h, name: "half", reporter: silentReporter })).how, "not-running");
  assert.equal(existsSync(instancePaths(h, "half").dir), false);
});

test("a corrupt state.json is a clear error, and ps skips it", async () => {
  const h = await home();
  await mkdir(instancePaths(h, "bad").dir, { recursive: true });
  await writeFile(instancePaths(h, "bad").state, "{not json");
  await assert.rejects(
    readState(h, "bad"),
    (e: unknown) => isMvmError(e) && e.code === "E_INSTANCE_STATE_CORRUPT",
  );
  assert.deepEqual(await listInstances(h), []);
});

test("instance names", () => {
  for (const ok of ["hello", "hello-app", "a.b_c", "x1"]) validateInstanceName(ok);
  for (const bad of ["", "Hello", "-x", "a/b", "..", "a".repeat(64)]) {
    assert.throws(
      () => validateInstanceName(bad),
      (e: unknown) => isMvmError(e) && e.code === "E_INSTANCE_NAME_INVALID",
      bad,
    );
  }
});

test("secrets: one random opaque token per ref, never a value; file is 0600", async () => {
  const a = mintSecretTokens({ API_KEY: { name: "api-key" }, DB: { name: "db-pass" } });
  const b = mintSecretTokens({ API_KEY: { name: "api-key" } });
  assert.deepEqual(Object.keys(a.env), ["API_KEY", "DB"]);
  assert.match(a.env.API_KEY ?? "", /^mvm-secret-[0-9a-f]{32}$/);
  assert.notEqual(a.env.API_KEY, b.env.API_KEY);
  assert.equal(a.tokens[a.env.DB ?? ""], "db-pass");
  assert.deepEqual(mintSecretTokens(undefined), { env: {}, tokens: {} });
  const h = await home();
  const p = join(h, "secrets.json");
  await writeInstanceSecrets(p, a);
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.deepEqual(await readInstanceSecrets(p), a);
});

test("down reports the guest's shutdown output without kernel and connection noise", () => {
  const text = [
    "mvm-agent: [8.801] host connected on virtio-serial mvm.agent (/dev/vport1p1)",
    "mvm-agent: [8.804] shutdown requested",
    "mvm-agent: [8.805] running before_stop",
    "MVM_E2E_BEFORE_STOP_RAN\r",
    "mvm-init: [8.807] powering off",
    "[    8.831504] reboot: Power down",
    "",
  ].join("\n");
  assert.deepEqual(shutdownLines(text), [
    "mvm-agent: [8.804] shutdown requested",
    "mvm-agent: [8.805] running before_stop",
    "MVM_E2E_BEFORE_STOP_RAN",
    "mvm-init: [8.807] powering off",
  ]);
});
