// Build-time code runs in the builder microVM, never on the host (docs/build.md, "Builder VM";
// docs/security.md). A before_build hook and an npm dependency's install script each record the
// kernel boot id they ran under and try to write markers onto the host (/tmp, /proc/1/root);
// the test reads the image (debugfs, no mount) and the host. Two forced builds give one digest.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { buildImage } from "../../src/image/build-image.js";
import { runBuilderVm } from "../../src/runtime/builder-vm.js";
import { MVMCTL } from "../helpers/cli.js";
import { compiledFixture, ensureAgentDir, recordingReporter, sharedCacheDir } from "./fixtures.js";

before(async () => {
  process.env.MVM_CACHE_DIR = sharedCacheDir();
  process.env.MVM_BUILD_BACKEND ??= "debian";
  await ensureAgentDir();
});

const cat = (image: string, path: string) =>
  execFileSync("debugfs", ["-R", `cat ${path}`, image], { stdio: ["ignore", "pipe", "ignore"] }).toString();
const hostBootId = () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
const storeLeft = (home: string) =>
  readdirSync(join(home, "images")).filter((n) => n !== "by-inputs" && n !== "by-workload");

/** Shell that records the boot id into `file` and tries to reach the host through `marker`. */
function escapeAttempt(file: string, marker: string): string {
  return [
    `cat /proc/sys/kernel/random/boot_id > ${file}`,
    `echo escaped > ${marker} || true`,
    `echo escaped > /proc/1/root${marker} || true`,
    `mkdir -p /proc/1/root/tmp && echo escaped > /proc/1/root/tmp/$(basename ${marker}).2 || true`,
    `ls /proc/1/root/ > /dev/null 2>&1 || true`,
  ].join("; ");
}

/** The TypeScript fixture with a before_build hook and a local npm dependency with an install script. */
async function nodeFixture(hook: string, install: string): Promise<string> {
  const input = await compiledFixture("typescript", {
    hooks: { before_build: [{ kind: "shell", line: hook }] },
  });
  const src = join(input, "src");
  await mkdir(join(src, "dep"));
  await writeFile(
    join(src, "dep/package.json"),
    JSON.stringify({ name: "dep", version: "1.0.0", scripts: { install } }),
  );
  await writeFile(
    join(src, "package.json"),
    JSON.stringify({ name: "fixture", version: "1.0.0", dependencies: { dep: "file:./dep" } }),
  );
  await writeFile(
    join(src, "package-lock.json"),
    JSON.stringify({
      name: "fixture",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: "fixture", version: "1.0.0", dependencies: { dep: "file:./dep" } },
        dep: { version: "1.0.0", hasInstallScript: true },
        "node_modules/dep": { resolved: "dep", link: true },
      },
    }),
  );
  return input;
}

test("a before_build hook and an npm install script run in the builder VM, never on the host", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const tag = `mvm-builder-escape-${process.pid}-${Date.now()}`;
  const hookMarker = `/tmp/${tag}-hook`;
  const depMarker = `/tmp/${tag}-dep`;
  const input = await nodeFixture(
    escapeAttempt("/app/hook_boot_id", hookMarker),
    escapeAttempt("install_boot_id", depMarker),
  );
  const rep = recordingReporter();
  const first = await buildImage({ input, home, reporter: rep, builder: runBuilderVm });
  const rootfs = join(first.dir, "rootfs.ext4");
  const host = hostBootId();
  const hookBoot = cat(rootfs, "/app/hook_boot_id").trim();
  const depBoot = cat(rootfs, "/app/dep/install_boot_id").trim();
  assert.match(hookBoot, /^[0-9a-f-]{36}$/);
  assert.match(depBoot, /^[0-9a-f-]{36}$/);
  assert.notEqual(hookBoot, host, "the before_build hook ran under the host's kernel");
  assert.notEqual(depBoot, host, "the npm install script ran under the host's kernel");
  for (const m of [hookMarker, depMarker, `${hookMarker}.2`, `${depMarker}.2`])
    assert.ok(!existsSync(m), `${m} reached the host`);
  // Progress shows the builder's steps and their output.
  assert.ok(rep.lines.some((l) => /builder VM: booting/.test(l)));
  assert.ok(rep.lines.some((l) => /builder: npm lifecycle scripts/.test(l)));
  assert.ok(rep.lines.some((l) => /builder: before_build hooks \(1\)/.test(l)));
  assert.ok(rep.lines.some((l) => /> dep@1\.0\.0 install/.test(l)));
  // The builder's own scripts are not in the image.
  assert.equal(cat(rootfs, "/etc/mvm/hooks/build_export.sh"), "");
});

test("build-time code in the builder: two forced builds give the same digest", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await nodeFixture(
    "mkdir -p /opt/built && echo baked > /opt/built/hook.txt && date -u +%Y > /opt/built/year && touch /app/touched",
    `node -e "require('fs').writeFileSync('built.txt', process.env.npm_lifecycle_event)"`,
  );
  const first = await buildImage({ input, home, reporter: recordingReporter(), builder: runBuilderVm });
  assert.equal(cat(join(first.dir, "rootfs.ext4"), "/app/dep/built.txt"), "install");
  assert.equal(
    cat(join(first.dir, "rootfs.ext4"), "/opt/built/year"),
    "2023\n",
    "the guest clock starts at the epoch",
  );
  const forced = await buildImage({
    input,
    home,
    force: true,
    reporter: recordingReporter(),
    builder: runBuilderVm,
  });
  assert.equal(forced.digest, first.digest, "two forced builds of the same inputs differ");
});

test("a hung before_build hook is killed at the build timeout; no VM, disk or image is left", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await compiledFixture("python", {
    hooks: { before_build: [{ kind: "shell", line: "echo hanging; sleep 3600" }] },
  });
  const t0 = Date.now();
  await assert.rejects(
    buildImage({ input, home, reporter: recordingReporter(), builder: runBuilderVm, timeoutMs: 25_000 }),
    { code: "E_BUILD_TIMEOUT" },
  );
  assert.ok(Date.now() - t0 < 120_000);
  assert.deepEqual(storeLeft(home), []);
  const qemus = execFileSync("sh", ["-c", "ps -eo args | grep -c '[m]vm.builder=1' || true"])
    .toString()
    .trim();
  assert.equal(qemus, "0", "a builder VM outlived the build");
});

test("a build killed outright (SIGKILL) takes its builder VM with it", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  // The builder's run dir (disks, sockets: named on QEMU's command line) goes under TMPDIR, so
  // this build's VM can be told from any other.
  const tmp = await mkdtemp(join(tmpdir(), "mvm-killed-build-"));
  const input = await compiledFixture("python", {
    hooks: { before_build: [{ kind: "shell", line: "sleep 3600" }] },
  });
  // The real CLI, so the build is its own process that can be killed the hard way.
  const build = spawn(process.execPath, [MVMCTL, "build", input], {
    env: { ...process.env, MVM_HOME: home, TMPDIR: tmp, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  build.stdout.on("data", (b: Buffer) => (out += b.toString()));
  build.stderr.on("data", (b: Buffer) => (out += b.toString()));
  /** pids of builder QEMUs whose command line names this build's run dir. */
  const builders = () =>
    execFileSync("ps", ["-eo", "pid=,args="])
      .toString()
      .split("\n")
      .filter((l) => l.includes("mvm.builder=1") && l.includes(tmp))
      .map((l) => Number.parseInt(l.trim(), 10));
  const until = async (what: string, ok: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) assert.fail(`${what} (build output: ${out.slice(-2000)})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await until("no builder VM started", () => builders().length === 1, 180_000);
  await new Promise((r) => setTimeout(r, 2000)); // booting or running the hook: either way, mid-build
  build.kill("SIGKILL");
  await until("a builder VM outlived its SIGKILLed build", () => builders().length === 0, 10_000);
  // Whatever staging a killed build leaves, no image is published.
  const images = existsSync(join(home, "images")) ? storeLeft(home) : [];
  assert.deepEqual(
    images.filter((n) => /^[0-9a-f]{64}$/.test(n)),
    [],
  );
});
