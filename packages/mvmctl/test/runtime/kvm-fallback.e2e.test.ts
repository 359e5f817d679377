// Hosts whose /dev/kvm cannot run Linux (a nested hypervisor: QEMU aborts with "failed to set MSR
// 0x10a" or the kernel hangs) and hosts without /dev/kvm, through the real CLI and real TCG boots.
// MVM_QEMU points at a wrapper that execs the real QEMU but dies like that nested host whenever it
// is asked to boot a Linux kernel under KVM; MVM_KVM_DEVICE (test-only) points the pre-check at a
// file, so a CI host without /dev/kvm still reaches the kernel-boot probe.
import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findQemu } from "../../src/runtime/vmm/qemu.js";
import { compileAndBuild, type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

const MSR_ERROR = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69";

let h: E2eHome;
let compiled: string;
let env: NodeJS.ProcessEnv;
let cacheFile: string;

interface CacheEntry {
  usable: boolean;
  cpu_model?: string;
  reason?: string;
  source: string;
}

function writeWrapper(path: string, realQemu: string): void {
  writeFileSync(
    path,
    `#!/bin/sh
# QEMU as on a nested host: KVM + a Linux kernel = abort; firmware-only or TCG runs pass through.
kvm=0; kernel=0; prev=""
for a in "$@"; do
  if [ "$prev" = "-accel" ]; then case "$a" in kvm|kvm,*) kvm=1;; esac; fi
  case "$a" in *accel=kvm*) kvm=1;; esac
  [ "$a" = "-kernel" ] && kernel=1
  prev="$a"
done
if [ $kvm = 1 ] && [ $kernel = 1 ]; then
  echo "${MSR_ERROR}" >&2
  echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion \\\`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
  exit 134
fi
exec "${realQemu}" "$@"
`,
  );
  chmodSync(path, 0o755);
}

const readCache = (): CacheEntry[] =>
  (JSON.parse(readFileSync(cacheFile, "utf8")) as { entries: CacheEntry[] }).entries;

/** Pretend an earlier probe passed (a stale or lucky result), so the instance's own boot is what fails. */
function cacheSaysUsable(): void {
  const entries = readCache().map((e) => ({ ...e, usable: true, cpu_model: "host", reason: undefined }));
  writeFileSync(cacheFile, JSON.stringify({ entries }));
}

async function invokeAnswers(name: string): Promise<void> {
  const r = await h.run(["invoke", name, "--input", "name=ari"], { env });
  expectCode(h, r, 0, `invoke ${name}`);
  assert.match(r.stdout, /ari/);
}

before(async () => {
  h = await e2eHome();
  const wrapper = join(h.home, "qemu-nested-kvm");
  writeWrapper(wrapper, findQemu({ ...process.env, MVM_QEMU: undefined }));
  const device = join(h.home, "fake-kvm");
  writeFileSync(device, "");
  env = { MVM_QEMU: wrapper, MVM_KVM_DEVICE: device };
  cacheFile = join(h.home, "cache", "kvm-probe.json");
  compiled = await compileAndBuild(h, "py-app", "app.py");
});

after(async () => {
  await h?.cleanup();
});

test("KVM that cannot boot Linux: the probe fails, up runs under TCG with a notice, invoke answers", async () => {
  const up = await h.run(["up", compiled, "--name", "probed"], { env });
  expectCode(h, up, 0, "up");
  assert.match(
    up.stderr,
    /warning: KVM is not usable \(-cpu host: qemu-system-x86_64: error: failed to set MSR 0x10a/,
  );
  assert.match(up.stdout, /^probed is up \(accel tcg,/m);
  const [entry, ...rest] = readCache();
  assert.equal(rest.length, 0);
  assert.equal(entry?.usable, false);
  assert.equal(entry?.source, "probe");
  await invokeAnswers("probed");
  expectCode(h, await h.run(["down", "probed"], { env }), 0, "down");
});

test("a KVM boot that dies after a passing probe: up falls back to TCG once and records KVM unusable", async () => {
  cacheSaysUsable();
  const up = await h.run(["up", compiled, "--name", "fallback"], { env });
  expectCode(h, up, 0, "up");
  assert.match(
    up.stderr,
    /warning: KVM could not boot fallback \(.*failed to set MSR 0x10a to 0x69\); falling back to TCG/,
  );
  assert.equal(up.stderr.match(/falling back/g)?.length, 1, "one fallback, one notice");
  assert.match(up.stdout, /^fallback is up \(accel tcg,/m);
  const state = JSON.parse(readFileSync(join(h.home, "instances/fallback/state.json"), "utf8")) as {
    accel: string;
  };
  assert.equal(state.accel, "tcg");
  assert.match(readFileSync(join(h.home, "instances/fallback/vmm.log"), "utf8"), /failed to set MSR 0x10a/);
  const [entry] = readCache();
  assert.equal(entry?.usable, false, "the next up goes straight to TCG");
  assert.equal(entry?.source, "boot");
  await invokeAnswers("fallback");
  expectCode(h, await h.run(["down", "fallback"], { env }), 0, "down");
});

test("--accel kvm through the same wrapper: E_KVM_UNAVAILABLE, no fallback", async () => {
  // From the probe's (cached) verdict: nothing starts.
  const probed = await h.run(["up", compiled, "--name", "strict", "--accel", "kvm"], { env });
  expectCode(h, probed, 1, "up --accel kvm");
  assert.match(
    probed.stderr,
    /error\[E_KVM_UNAVAILABLE\]: KVM cannot run a Linux guest here: .*failed to set MSR 0x10a/,
  );
  assert.doesNotMatch(probed.stderr, /falling back|using TCG/);
  assert.deepEqual(JSON.parse((await h.run(["ps", "--json"], { env })).stdout), []);

  // From the instance's own boot, when the probe had passed.
  cacheSaysUsable();
  const booted = await h.run(["up", compiled, "--name", "strict", "--accel", "kvm"], { env });
  expectCode(h, booted, 1, "up --accel kvm after a passing probe");
  assert.match(
    booted.stderr,
    /error\[E_KVM_UNAVAILABLE\]: .*strict did not boot under KVM: .*failed to set MSR 0x10a/,
  );
  assert.doesNotMatch(booted.stderr, /falling back/);
  expectCode(h, await h.run(["down", "strict"], { env }), 0, "down of the failed instance");
});

test("no /dev/kvm: TCG at once with a notice naming the missing device; doctor says the same", async () => {
  const missing = { ...env, MVM_KVM_DEVICE: join(h.home, "no-kvm-here") };
  const up = await h.run(["up", compiled, "--name", "nokvm"], { env: missing });
  expectCode(h, up, 0, "up");
  assert.match(up.stderr, /warning: KVM is not usable \(.*no-kvm-here does not exist\); using TCG/);
  await invokeAnswers("nokvm");
  expectCode(h, await h.run(["down", "nokvm"], { env }), 0, "down");

  type Doctor = { checks: { name: string; status: string; detail: string; probe?: { kind: string } }[] };
  const kvmCheck = async (e: NodeJS.ProcessEnv) =>
    (JSON.parse((await h.run(["doctor", "--json"], { env: e })).stdout) as Doctor).checks.find(
      (c) => c.name === "kvm",
    );
  const none = await kvmCheck(missing);
  assert.equal(none?.probe?.kind, "precheck");
  assert.match(none?.detail ?? "", /no-kvm-here does not exist/);
  const nested = await kvmCheck(env);
  assert.equal(nested?.status, "warn");
  assert.equal(nested?.probe?.kind, "probe", "the pinned kernel is cached: doctor shows the real probe");
  assert.match(nested?.detail ?? "", /failed to set MSR 0x10a/);
  const qemu = (JSON.parse((await h.run(["doctor", "--json"], { env })).stdout) as Doctor).checks.find(
    (c) => c.name === "qemu",
  );
  assert.match(qemu?.detail ?? "", /qemu-nested-kvm via MVM_QEMU/);
});
