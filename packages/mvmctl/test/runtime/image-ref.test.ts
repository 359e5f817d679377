import assert from "node:assert/strict";
import { mkdir, mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import { resolveImage } from "../../src/runtime/image-ref.js";
import { manifestFor } from "../helpers/image-manifest.js";

const launchA = '{"workload_id":"w","app":"a","ir_hash":"1"}';
const launchB = '{"workload_id":"w","app":"a","ir_hash":"2"}';

async function store(): Promise<{ home: string; a: string; b: string }> {
  const home = await mkdtemp(join(tmpdir(), "mvm-rt-img-"));
  // Digests sharing their first 12 hex digits: a 12-digit prefix is ambiguous, 13 are not.
  const a = `${"0".repeat(12)}1${"f".repeat(51)}`;
  const b = `${"0".repeat(12)}2${"f".repeat(51)}`;
  for (const [d, launch] of [
    [a, launchA],
    [b, launchB],
  ] as const) {
    const dir = join(home, "images", d);
    await mkdir(dir, { recursive: true });
    for (const f of ["vmlinuz", "initramfs.img", "rootfs.ext4"]) await writeFile(join(dir, f), "x");
    await writeFile(join(dir, "launch.json"), launch);
    await writeFile(join(dir, "image.json"), JSON.stringify(manifestFor(d)));
  }
  // b is the newest build for workload w
  await mkdir(join(home, "images/by-workload"), { recursive: true });
  await writeFile(join(home, "images/by-workload/w"), `${b}\n`);
  await utimes(join(home, "images", a), new Date(1000), new Date(1000));
  return { home, a, b };
}

test("a compiled dir resolves to the image built from exactly that launch.json", async () => {
  const { home, a, b } = await store();
  const compiled = await mkdtemp(join(tmpdir(), "mvm-rt-compiled-"));
  await writeFile(join(compiled, "launch.json"), launchA);
  assert.equal(
    (await resolveImage(home, compiled)).manifest.digest,
    a,
    "not the newest for the workload, but the matching one",
  );
  await writeFile(join(compiled, "launch.json"), launchB);
  assert.equal((await resolveImage(home, compiled)).manifest.digest, b);
  await writeFile(join(compiled, "launch.json"), '{"workload_id":"w","ir_hash":"3"}');
  await assert.rejects(
    resolveImage(home, compiled),
    (e: unknown) => isMvmError(e) && e.code === "E_IMAGE_NOT_FOUND" && /mvmctl build/.test(e.hint ?? ""),
  );
});

test("a workload id, a digest and a unique prefix resolve; a shared prefix is ambiguous", async () => {
  const { home, a, b } = await store();
  assert.equal((await resolveImage(home, "w")).manifest.digest, b);
  assert.equal((await resolveImage(home, a)).manifest.digest, a);
  assert.equal((await resolveImage(home, `sha256:${b}`)).manifest.digest, b);
  const byPrefix = await resolveImage(home, a.slice(0, 13));
  assert.equal(byPrefix.manifest.digest, a);
  assert.equal(byPrefix.kernel, join(home, "images", a, "vmlinuz"));
  await assert.rejects(
    resolveImage(home, a.slice(0, 12)),
    (e: unknown) => isMvmError(e) && e.code === "E_IMAGE_AMBIGUOUS",
  );
  await assert.rejects(
    resolveImage(home, "nope"),
    (e: unknown) => isMvmError(e) && e.code === "E_IMAGE_NOT_FOUND",
  );
});
