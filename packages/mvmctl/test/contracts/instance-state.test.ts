// contracts/instance-state.ts: state.json round-trips with its state_version; unversioned, another
// version or off-schema is E_INSTANCE_STATE_CORRUPT hinting at `down`, and `down` can clean it up.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import { silentReporter } from "../../src/cli/reporter.js";
import {
  type InstanceStateFields,
  readInstanceState,
  STATE_VERSION,
  writeInstanceState,
} from "../../src/contracts/instance-state.js";
import { down } from "../../src/runtime/down.js";
import { listInstances } from "../../src/runtime/instances.js";
import { instancePaths } from "../../src/runtime/paths.js";
import { processAlive } from "../../src/runtime/proc.js";
import { tempDir } from "../helpers/cli.js";

function fields(home: string, name: string, pid = 999_999_999): InstanceStateFields {
  const p = instancePaths(home, name);
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
    started_at: "2024-01-01T00:00:00.000Z",
    boot_ms: null,
    agent_socket: p.agentSocket,
    qmp_socket: p.qmpSocket,
    console_log: p.consoleLog,
    network: {
      mode: "bridge",
      egress: [{ host: "api.example.com", port: 443 }],
      proxy_pid: 1,
      proxy_config: "/x",
    },
  };
}

test("round trip: the writer stamps state_version; the reader returns what was written", async () => {
  const home = await tempDir("mvm-contracts-st-");
  const dir = instancePaths(home, "one").dir;
  await writeInstanceState(dir, fields(home, "one"));
  const onDisk = JSON.parse(await readFile(instancePaths(home, "one").state, "utf8"));
  assert.equal(STATE_VERSION, 1);
  assert.equal(onDisk.state_version, 1);
  assert.deepEqual(await readInstanceState(dir), { state_version: 1, ...fields(home, "one") });
  // A state read back and spread into a write (up, down) keeps one version.
  await writeInstanceState(dir, { ...(await readInstanceState(dir))!, status: "stopping" });
  assert.equal((await readInstanceState(dir))?.status, "stopping");
  assert.equal(await readInstanceState(instancePaths(home, "none").dir), undefined);
});

async function corrupt(home: string, name: string, content: string): Promise<void> {
  await mkdir(instancePaths(home, name).dir, { recursive: true });
  await writeFile(instancePaths(home, name).state, content);
}

test("unversioned, another version, off-schema or not JSON: E_INSTANCE_STATE_CORRUPT with a down hint", async () => {
  const home = await tempDir("mvm-contracts-st-");
  const { ...f } = fields(home, "x");
  const cases: [string, string, RegExp][] = [
    ["unversioned", JSON.stringify(f), /no state_version/],
    ["newer", JSON.stringify({ ...f, state_version: 2 }), /state_version 2 \(this mvmctl reads 1\)/],
    ["offschema", JSON.stringify({ ...f, state_version: 1, status: "dancing" }), /\.status/],
    ["notjson", "{", /not valid JSON/],
  ];
  for (const [name, content, why] of cases) {
    await corrupt(home, name, content);
    await assert.rejects(
      readInstanceState(instancePaths(home, name).dir),
      (e: unknown) =>
        isMvmError(e) &&
        e.code === "E_INSTANCE_STATE_CORRUPT" &&
        why.test(e.message) &&
        e.hint === `remove it with \`mvmctl down ${name}\``,
      name,
    );
  }
  // ps skips them; down removes each (and says why through the reporter).
  assert.deepEqual(await listInstances(home), []);
  for (const [name] of cases) {
    const warnings: string[] = [];
    const r = await down({ home, name, reporter: { ...silentReporter, warn: (m) => warnings.push(m) } });
    assert.equal(r.how, "not-running", name);
    assert.equal(existsSync(instancePaths(home, name).dir), false, name);
    assert.match(warnings.join("\n"), /unreadable state\.json/, name);
  }
});

test("down of an unreadable instance still stops its VM, found by the instance's own qmp.sock", async () => {
  const home = await tempDir("mvm-contracts-st-");
  const p = instancePaths(home, "old");
  await mkdir(p.dir, { recursive: true });
  // A stand-in VM whose argv names the instance's qmp.sock, like QEMU's (as in instances.test.ts).
  const vm = spawn("sh", ["-c", "sleep 60", p.qmpSocket], { stdio: "ignore" });
  try {
    const pid = vm.pid as number;
    // An instance started by an mvmctl before state_version existed.
    const { ...legacy } = fields(home, "old", pid);
    await writeFile(p.state, JSON.stringify(legacy));
    assert.ok(processAlive(pid, p.qmpSocket));
    const r = await down({ home, name: "old", reporter: silentReporter });
    assert.equal(r.how, "killed");
    assert.equal(processAlive(pid, p.qmpSocket), false);
    assert.equal(existsSync(p.dir), false);
  } finally {
    vm.kill("SIGKILL");
  }
});
