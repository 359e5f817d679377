// Adversarial corpus: the CLI's environment (credentials, MVM_* settings) must not reach the
// long-lived processes it starts. A marker is set in this process's environment, then the real
// spawn paths run: the egress proxy (startEgressProxy) and the QEMU driver (QemuDriver.start, with
// a stand-in binary so no VM boots). /proc/<pid>/environ of each child is read back.
import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { helperEnv } from "../../src/lib/child-env.js";
import { brokerConfig, startFetchBroker, stopFetchBroker } from "../../src/runtime/fetch/process.js";
import { startEgressProxy, stopEgressProxy } from "../../src/runtime/network/egress-process.js";
import { QemuDriver } from "../../src/runtime/vmm/qemu.js";
import { tempDir } from "../helpers/cli.js";

const MARKER = "marker-7c1d-do-not-leak";
const PLANTED = ["MVM_TEST_LEAK_MARKER", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "MVM_EGRESS_RESOLVE"];
const saved = new Map<string, string | undefined>();

beforeEach(() => {
  for (const k of PLANTED) {
    saved.set(k, process.env[k]);
    process.env[k] = k === "MVM_EGRESS_RESOLVE" ? `leak.example=${MARKER}` : MARKER;
  }
});
afterEach(() => {
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function environOf(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, "utf8");
  return Object.fromEntries(
    raw
      .split("\0")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

function assertClean(env: Record<string, string>, what: string): void {
  assert.ok(!JSON.stringify(env).includes(MARKER), `${what}: no marker in its environment`);
  assert.deepEqual(Object.keys(env).sort(), ["LANG", "PATH"], `${what}: only PATH and LANG`);
  assert.equal(env.PATH, process.env.PATH);
  assert.equal(env.LANG, "C");
}

test("helperEnv keeps PATH and LANG=C only", () => {
  const env = helperEnv({ PATH: "/x:/y", HOME: "/root", AWS_ACCESS_KEY_ID: MARKER, MVM_HOME: "/h" });
  assert.deepEqual(env, { PATH: "/x:/y", LANG: "C" });
  assert.ok(helperEnv({}).PATH, "a default PATH when the CLI has none");
});

test("the real egress proxy process does not inherit the CLI's environment", async () => {
  const dir = await tempDir();
  const cfg = {
    socket: path.join(dir, "egress.sock"),
    log: path.join(dir, "egress.log"),
    allowlist: [{ host: "api.example.com", port: 443 }],
  };
  const configPath = path.join(dir, "egress.json");
  const pid = await startEgressProxy(configPath, cfg, path.join(dir, "egress-proxy.log"));
  try {
    assertClean(await environOf(pid), "egress proxy");
  } finally {
    await stopEgressProxy(pid, configPath);
  }
});

test("the real fetch broker process does not inherit the CLI's environment", async () => {
  const dir = await tempDir();
  const cfg = brokerConfig({
    socket: path.join(dir, "fetch.sock"),
    log: path.join(dir, "fetch.log"),
    instance: "t",
    home: dir,
    egress: [],
    secrets: {},
    tokens: {},
    // Its settings come from `up`'s environment into the config file, never into its own.
    env: { MVM_SEARCH_URL: "https://search.example/api?q={query}", MVM_SEARCH_KEY_SECRET: "k" },
  });
  const configPath = path.join(dir, "fetch.json");
  const pid = await startFetchBroker(configPath, cfg, path.join(dir, "fetch-broker.log"));
  try {
    assertClean(await environOf(pid), "fetch broker");
    assert.ok(!(await readFile(`/proc/${pid}/cmdline`, "utf8")).includes(MARKER));
  } finally {
    await stopFetchBroker(pid, configPath);
  }
});

test("the real QEMU spawn does not inherit the CLI's environment", async () => {
  const dir = await tempDir();
  // A stand-in for qemu-system-x86_64: node (which adds nothing to its environment) that waits.
  const fake = path.join(dir, "fake-qemu");
  await writeFile(fake, `#!${process.execPath}\nsetTimeout(() => {}, 30000);\n`);
  await chmod(fake, 0o755);
  const driver = new QemuDriver(fake);
  const vm = await driver.start(
    {
      kernel: path.join(dir, "vmlinuz"),
      initrd: path.join(dir, "initramfs.img"),
      rootfs: path.join(dir, "rootfs.ext4"),
      cpus: 1,
      memoryMiB: 128,
      accel: "tcg",
      networkMode: null,
      consoleLog: path.join(dir, "console.log"),
      agentSocket: path.join(dir, "agent.sock"),
      qmpSocket: path.join(dir, "qmp.sock"),
    },
    path.join(dir, "vmm.log"),
  );
  try {
    assertClean(await environOf(vm.pid), "qemu");
  } finally {
    process.kill(vm.pid, "SIGKILL");
  }
});
