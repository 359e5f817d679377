// The KVM probe's cache: one entry per (host boot id, QEMU version, kernel sha256), written
// atomically, and the probe boot skipped only on an exact key match. The "QEMU" here is a real
// shell script that reports a version and records every boot attempt, so a cache hit is proven by
// the absence of a boot, and a miss by its presence.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  cachedProbe,
  type KvmProbeKey,
  type KvmProbeResult,
  probeKey,
  probeKvm,
  recordKvmUnusable,
  sameKey,
  writeProbeResult,
} from "../../src/runtime/vmm/kvm-probe.js";

let dir: string;
let qemu: string;
let kernel: string;
let device: string;
let boots: string;

/** A QEMU stand-in: `--version` prints $FAKE_QEMU_VERSION; anything else logs its argv and refuses KVM. */
function writeFakeQemu(version: string): void {
  writeFileSync(
    qemu,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "${version}"; exit 0; fi\necho "$*" >> "${boots}"\necho "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2\nexit 134\n`,
  );
  chmodSync(qemu, 0o755);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mvm-kvm-probe-"));
  qemu = join(dir, "qemu");
  kernel = join(dir, "vmlinuz");
  device = join(dir, "kvm");
  boots = join(dir, "boots.log");
  writeFileSync(kernel, "kernel one");
  writeFileSync(device, ""); // a readable, writable stand-in for /dev/kvm
  writeFakeQemu("QEMU emulator version 7.2.22");
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ MVM_KVM_DEVICE: device });
const bootCount = () => (existsSync(boots) ? readFileSync(boots, "utf8").trim().split("\n").length : 0);

function entry(key: KvmProbeKey, usable: boolean): KvmProbeResult {
  return { ...key, usable, cpu_model: usable ? "host" : undefined, source: "probe", probed_at: "t" };
}

test("sameKey: boot id, QEMU version and kernel sha256 must all match; unknowns never match", () => {
  const k = { boot_id: "b1", qemu_version: "QEMU 7.2", kernel_sha256: "aa" };
  assert.ok(sameKey(k, { ...k }));
  assert.ok(!sameKey(k, { ...k, boot_id: "b2" }));
  assert.ok(!sameKey(k, { ...k, qemu_version: "QEMU 8.0" }));
  assert.ok(!sameKey(k, { ...k, kernel_sha256: "bb" }));
  assert.ok(!sameKey({ ...k, boot_id: "unknown" }, { ...k, boot_id: "unknown" }));
});

test("the key is the host boot id, `qemu --version` stdout and the kernel's sha256", async () => {
  const k = await probeKey(qemu, kernel);
  assert.equal(k.boot_id, readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  assert.equal(k.qemu_version, "QEMU emulator version 7.2.22");
  assert.equal(k.kernel_sha256, createHash("sha256").update(readFileSync(kernel)).digest("hex"));
});

test("cache entries: one per key; another host boot's entries are dropped on write; no temp files left", async () => {
  const cache = join(dir, "cache-entries");
  const a = { boot_id: "b1", qemu_version: "q1", kernel_sha256: "k1" };
  const b = { ...a, kernel_sha256: "k2" };
  await writeProbeResult(cache, entry(a, true));
  await writeProbeResult(cache, entry(b, false));
  assert.equal((await cachedProbe(cache, a))?.usable, true);
  assert.equal((await cachedProbe(cache, b))?.usable, false);
  assert.equal(await cachedProbe(cache, { ...a, qemu_version: "q2" }), undefined);
  await recordKvmUnusable(cache, a, "the instance died");
  const hit = await cachedProbe(cache, a);
  assert.equal(hit?.usable, false);
  assert.equal(hit?.source, "boot");
  assert.equal(hit?.reason, "the instance died");
  await writeProbeResult(cache, entry({ ...a, boot_id: "b2" }, true));
  assert.equal(await cachedProbe(cache, a), undefined, "entries of an earlier host boot are gone");
  assert.deepEqual(await readdir(cache), ["kvm-probe.json"]);
});

test("probeKvm: no device means TCG without starting QEMU", async () => {
  const o = await probeKvm({
    qemu: join(dir, "no-such-qemu"),
    kernel,
    cacheDir: join(dir, "cache-none"),
    env: { MVM_KVM_DEVICE: join(dir, "missing") },
  });
  assert.equal(o.kind, "precheck");
  assert.match(o.kind === "precheck" ? (o.precheck.reason ?? "") : "", /missing does not exist/);
  assert.ok(!existsSync(join(dir, "cache-none")), "nothing cached: the pre-check is free");
});

test("probeKvm: a boot on a miss, the cache on a hit, a new boot when the kernel or QEMU changes", async () => {
  const cache = join(dir, "cache-probe");
  const first = await probeKvm({ qemu, kernel, cacheDir: cache, env: env() });
  assert.equal(first.kind === "probe" && first.cached, false);
  assert.equal(bootCount(), 2, "both CPU models tried: QEMU refused the first at once");
  const reason = first.kind === "probe" ? (first.result.reason ?? "") : "";
  assert.match(reason, /-cpu host: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69/);
  assert.match(reason, /-cpu host,-arch-capabilities: /);
  assert.match(readFileSync(boots, "utf8"), /-accel kvm -cpu host .*-kernel .*vmlinuz/);

  const again = await probeKvm({ qemu, kernel, cacheDir: cache, env: env() });
  assert.equal(again.kind === "probe" && again.cached, true);
  assert.equal(bootCount(), 2, "a cache hit boots nothing");

  writeFileSync(kernel, "kernel two");
  const newKernel = await probeKvm({ qemu, kernel, cacheDir: cache, env: env() });
  assert.equal(newKernel.kind === "probe" && newKernel.cached, false);
  assert.equal(bootCount(), 4);

  writeFakeQemu("QEMU emulator version 8.2.0");
  const newQemu = await probeKvm({ qemu, kernel, cacheDir: cache, env: env() });
  assert.equal(newQemu.kind === "probe" && newQemu.cached, false);
  assert.equal(bootCount(), 6);

  // A cached "usable" for this exact key is trusted: no boot.
  const key = await probeKey(qemu, kernel);
  await writeProbeResult(cache, entry(key, true));
  const trusted = await probeKvm({ qemu, kernel, cacheDir: cache, env: env() });
  assert.equal(trusted.kind === "probe" && trusted.result.usable, true);
  assert.equal(bootCount(), 6);
});
