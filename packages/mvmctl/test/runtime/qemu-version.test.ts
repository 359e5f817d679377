// The QEMU version cache (runtime/vmm/qemu-version.ts): `--version` runs once per binary file, a
// changed binary (new mtime, size or inode) runs it again, and a cache file that is torn, of
// another shape or of another file never changes the answer. The "QEMU" is a shell script that
// counts its runs.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { qemuVersion } from "../../src/runtime/snapshot.js";
import { probeKey } from "../../src/runtime/vmm/kvm-probe.js";
import { qemuVersionOf } from "../../src/runtime/vmm/qemu-version.js";
import { tempDir } from "../helpers/cli.js";

async function fakeQemu(dir: string, version: string): Promise<{ qemu: string; runs: () => number }> {
  const qemu = join(dir, "qemu");
  const log = join(dir, "runs.log");
  writeFileSync(qemu, `#!/bin/sh\necho run >> "${log}"\necho "${version}"\necho "Copyright (c) test"\n`);
  chmodSync(qemu, 0o755);
  return {
    qemu,
    runs: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").length : 0),
  };
}

test("cached per binary file: a hit runs nothing, a changed binary runs --version again", async () => {
  const dir = await tempDir();
  const cache = join(dir, "cache");
  const { qemu, runs } = await fakeQemu(dir, "QEMU emulator version 7.2.0");
  assert.deepEqual(await qemuVersionOf(qemu, cache), {
    ok: true,
    text: "QEMU emulator version 7.2.0\nCopyright (c) test",
  });
  assert.equal(runs(), 1);
  assert.ok(existsSync(join(cache, "qemu-version.json")));
  // A new process (no memo) would read the file: same answer, no run.
  assert.equal((await qemuVersionOf(qemu, cache)).ok, true);
  assert.equal(runs(), 1);
  assert.equal(await qemuVersion(qemu, cache), "QEMU emulator version 7.2.0", "snapshot key: first line");
  assert.equal(
    (await probeKey(qemu, "/nonexistent", { kernelSha256: "ab", cacheDir: cache })).qemu_version,
    "QEMU emulator version 7.2.0\nCopyright (c) test",
  );
  assert.equal(runs(), 1);

  // An upgrade in place: new content, new mtime.
  const { runs: runs2 } = await fakeQemu(dir, "QEMU emulator version 8.2.0");
  utimesSync(qemu, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(await qemuVersionOf(qemu, cache), {
    ok: true,
    text: "QEMU emulator version 8.2.0\nCopyright (c) test",
  });
  assert.equal(runs2(), 2);
});

test("a torn, foreign or forged-for-another-file cache never changes the answer", async () => {
  const dir = await tempDir();
  const { qemu, runs } = await fakeQemu(dir, "QEMU emulator version 7.2.0");
  const want = { ok: true, text: "QEMU emulator version 7.2.0\nCopyright (c) test" };
  const cases: [string, string][] = [
    ["torn", '{"entries": [{"path": '],
    ["not an object", "42"],
    ["wrong shape", JSON.stringify({ entries: [{ path: qemu, file: 7, text: "QEMU 1.0" }] })],
    ["another file", JSON.stringify({ entries: [{ path: qemu, file: "1:2:3:4:5", text: "QEMU 1.0" }] })],
    ["empty text", JSON.stringify({ entries: [{ path: qemu, file: "x", text: "" }] })],
  ];
  for (const [i, [what, content]] of cases.entries()) {
    const cache = join(dir, `cache-${i}`);
    mkdirSync(cache);
    writeFileSync(join(cache, "qemu-version.json"), content);
    assert.deepEqual(await qemuVersionOf(qemu, cache), want, what);
    assert.equal(runs(), i + 1, `${what}: --version ran`);
    // ...and the entry is rewritten, so the next lookup is a hit.
    const again = JSON.parse(readFileSync(join(cache, "qemu-version.json"), "utf8"));
    assert.equal(again.entries.at(-1).text, want.text, what);
  }
});

test("a failing --version is reported and never cached", async () => {
  const dir = await tempDir();
  const cache = join(dir, "cache");
  const qemu = join(dir, "broken-qemu");
  writeFileSync(qemu, "#!/bin/sh\necho nope >&2\nexit 3\n");
  chmodSync(qemu, 0o755);
  assert.equal((await qemuVersionOf(qemu, cache)).ok, false);
  assert.equal(await qemuVersion(qemu, cache), "unknown");
  assert.ok(!existsSync(join(cache, "qemu-version.json")));
  assert.equal((await qemuVersionOf(join(dir, "missing"), cache)).ok, false);
});
