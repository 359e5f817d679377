// boot() when QEMU refuses to start: the error carries QEMU's own words, the instance stays as
// failed for `logs`, and `down` removes it; when a host helper fails while QEMU starts, nothing is
// left. Stand-in QEMU scripts: no VM is booted here.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import { silentReporter } from "../../src/cli/reporter.js";
import type { ImageManifest } from "../../src/contracts/image-manifest.js";
import { down } from "../../src/runtime/down.js";
import { readState } from "../../src/runtime/instances.js";
import { processAlive } from "../../src/runtime/proc.js";
import { boot } from "../../src/runtime/up.js";
import { manifestFor } from "../helpers/image-manifest.js";

async function storeWithImage(home: string, network: unknown = null): Promise<void> {
  const d = "c".repeat(64);
  const dir = join(home, "images", d);
  await mkdir(join(home, "images/by-workload"), { recursive: true });
  await mkdir(dir, { recursive: true });
  for (const f of ["vmlinuz", "initramfs.img", "rootfs.ext4"]) await writeFile(join(dir, f), "x");
  await writeFile(join(dir, "launch.json"), "{}");
  const m = manifestFor(d, { app: "app", dev: false, network: network as ImageManifest["network"] });
  await writeFile(
    join(dir, "image.json"),
    JSON.stringify({ ...m, resources: { ...m.resources, memory_mb: 128 } }),
  );
  await writeFile(join(home, "images/by-workload/w"), d);
}

test("QEMU failing at start: E_BOOT_FAILED with QEMU's message; failed instance; down cleans", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-rt-upfail-"));
  await storeWithImage(home);
  const fake = join(home, "fake-qemu.sh");
  await writeFile(fake, '#!/bin/sh\necho "qemu-system-x86_64: fake failure for the test" >&2\nexit 1\n');
  await chmod(fake, 0o755);
  process.env.MVM_QEMU = fake;
  try {
    await assert.rejects(
      boot({ home, ref: "w", accel: "tcg", reporter: silentReporter, readyTimeoutMs: 10_000 }),
      (e: unknown) =>
        isMvmError(e) &&
        e.code === "E_BOOT_FAILED" &&
        /fake failure for the test/.test(e.message) &&
        /mvmctl logs app/.test(e.hint ?? ""),
    );
    const s = await readState(home, "app");
    assert.equal(s?.status, "failed");
    assert.equal((await down({ home, name: "app", reporter: silentReporter })).how, "not-running");
    assert.equal(await readState(home, "app"), undefined);
  } finally {
    delete process.env.MVM_QEMU;
  }
});

test("network mode host (it would bypass the egress allowlist) is refused before anything starts", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-rt-upnet-"));
  await storeWithImage(home, { mode: "host", ports: [] });
  await assert.rejects(
    boot({ home, ref: "w", accel: "tcg", reporter: silentReporter }),
    (e: unknown) => isMvmError(e) && e.code === "E_NETWORK_MODE_UNSUPPORTED",
  );
  assert.equal(await readState(home, "app"), undefined);
});

test("a fetch broker that exits at start fails up with its code, after QEMU started: nothing is left", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-rt-upbroker-"));
  await storeWithImage(home);
  // QEMU starts without waiting for the broker (its socket is bound by `up`): a stand-in that
  // records its pid and runs until signalled, so "not left running" is checked on a real process.
  const pidFile = join(home, "qemu.pid");
  const fake = join(home, "fake-qemu.sh");
  await writeFile(
    fake,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "QEMU emulator version 0.0 (test)"; exit 0; fi\necho $$ > "${pidFile}"\ntrap 'exit 0' TERM\nwhile :; do sleep 0.05; done\n`,
  );
  await chmod(fake, 0o755);
  // The broker reads MVM_FETCH_CA_FILE at start: a directory makes it exit before it serves.
  const caDir = join(home, "ca-dir");
  await mkdir(caDir);
  process.env.MVM_QEMU = fake;
  process.env.MVM_FETCH_CA_FILE = caDir;
  try {
    await assert.rejects(
      boot({ home, ref: "w", accel: "tcg", reporter: silentReporter, readyTimeoutMs: 30_000 }),
      (e: unknown) => isMvmError(e) && e.code === "E_FETCH_BROKER_FAILED",
    );
    assert.equal(await readState(home, "app"), undefined);
    assert.ok(!existsSync(join(home, "instances", "app")), "no instance dir is left");
    const qemuPid = Number((await readFile(pidFile, "utf8")).trim());
    assert.ok(qemuPid > 0, "QEMU was started before the broker failed");
    assert.ok(!processAlive(qemuPid), "QEMU is not left running");
  } finally {
    delete process.env.MVM_QEMU;
    delete process.env.MVM_FETCH_CA_FILE;
  }
});
