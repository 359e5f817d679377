import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { cpioNewc, initramfsBytes } from "../../src/lib/cpio.js";

const entries = [
  { path: "lib/modules/x/virtio.ko", type: "file" as const, mode: 0o644, data: Buffer.from("ko") },
  { path: "init", type: "file" as const, mode: 0o755, data: Buffer.from("#!/bin/sh\n") },
  {
    path: "etc/mvm/modules",
    type: "file" as const,
    mode: 0o644,
    data: Buffer.from("/lib/modules/x/virtio.ko\n"),
  },
];

test("same entries in any order give the same bytes", () => {
  const a = initramfsBytes(entries);
  const b = initramfsBytes([...entries].reverse());
  assert.ok(a.equals(b));
  // gzip header: mtime 0, no FNAME flag.
  assert.equal(a.readUInt32LE(4), 0);
  assert.equal(a[3] ?? 0 & 0x08, 0);
});

test("cpio(1) reads it back with parents, modes, owners and mtime 0", () => {
  const dir = mkdtempSync(join(tmpdir(), "mvm-cpio-"));
  const listing = execFileSync("cpio", ["-itv", "--quiet"], {
    input: gunzipSync(initramfsBytes(entries)),
  }).toString();
  assert.match(listing, /^-rwxr-xr-x +1 root +root +10 Jan +1 +1970 init$/m);
  assert.match(listing, /^drwxr-xr-x .* lib\/modules\/x$/m);
  execFileSync("cpio", ["-idm", "--quiet"], { cwd: dir, input: cpioNewc(entries) });
  assert.equal(readFileSync(join(dir, "lib/modules/x/virtio.ko"), "utf8"), "ko");
  assert.equal(statSync(join(dir, "init")).mode & 0o777, 0o755);
});

test("paths leaving the archive are refused", () => {
  assert.throws(() => cpioNewc([{ path: "../x", type: "file", mode: 0o644 }]));
});
