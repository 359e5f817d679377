// Adversarial corpus: hostile .tgz inputs of `mvmctl build`. Each archive aims at a marker file in
// a temp dir next to the extraction root; the test asserts the REAL outcome: the marker is never
// written, nothing is created outside, and the refusal carries E_BUILD_ARCHIVE_UNSAFE.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { ARCHIVE_LIMITS, extractTgz } from "../../src/image/archive-extract.js";
import { openInput } from "../../src/image/input.js";

type Entry = Partial<tar.Header> & { name: string; data?: string | Buffer };

async function tgzBytes(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { data, ...h } of entries) {
    const body = data ?? "";
    pack.entry(
      { type: "file", mode: 0o644, ...h, size: h.type && h.type !== "file" ? 0 : body.length },
      body,
    );
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** base/{archive.tgz, root/ (the extraction root), outside/ (the target)}. */
async function scene(entries: Entry[], given?: string) {
  const base = given ?? (await mkdtemp(join(tmpdir(), "mvm-adv-tgz-")));
  const root = join(base, "root");
  const outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "keep"), "untouched");
  const archive = join(base, "evil.tgz");
  await writeFile(archive, await tgzBytes(entries));
  return { base, root, outside, archive };
}

async function assertOutsideUntouched(outside: string): Promise<void> {
  assert.deepEqual(await readdir(outside), ["keep"], "nothing was created outside the root");
  assert.equal(await readFile(join(outside, "keep"), "utf8"), "untouched");
}

const deep = "a/b/c/d/e";
const CASES: { name: string; entries: Entry[]; message: RegExp }[] = [
  {
    name: "symlink chain: s -> root, t -> s/../outside, then t/pwned",
    entries: [
      { name: `${deep}/s`, type: "symlink", linkname: "../../../../.." },
      { name: "t", type: "symlink", linkname: `${deep}/s/../outside` },
      { name: "t/pwned", data: "pwned" },
    ],
    message: /goes through "t", which is a symlink/,
  },
  {
    name: "a link through a later link: t (lexically inside) is declared before s",
    entries: [
      { name: "t", type: "symlink", linkname: `${deep}/s/../outside/keep` },
      { name: `${deep}/s`, type: "symlink", linkname: "../../../../.." },
    ],
    message: /archive link "t" .* leaves the archive/,
  },
  {
    name: "l -> ., x -> l/l/l/../../../../outside/keep",
    entries: [
      { name: "l", type: "symlink", linkname: "." },
      { name: "x", type: "symlink", linkname: "l/l/l/../../../../outside/keep" },
    ],
    message: /leaves the archive/,
  },
  {
    name: "duplicate entry: a file over an earlier symlink would write through it",
    entries: [
      { name: `${deep}/s`, type: "symlink", linkname: "../../../../.." },
      { name: "f", type: "symlink", linkname: `${deep}/s/../outside/pwned` },
      { name: "f", data: "pwned" },
    ],
    message: /repeats an earlier symlink entry/,
  },
  {
    name: "a directory entry over an earlier symlink",
    entries: [
      { name: "d", type: "symlink", linkname: "." },
      { name: "d/", type: "directory" },
    ],
    message: /repeats an earlier symlink entry/,
  },
  {
    name: "absolute symlink target",
    entries: [{ name: "abs", type: "symlink", linkname: "/etc/passwd" }],
    message: /must be a relative path/,
  },
  {
    name: "symlink with .. out of the root",
    entries: [{ name: "src/up", type: "symlink", linkname: "../../outside/keep" }],
    message: /leaves the archive/,
  },
  {
    name: "hardlink to a file outside",
    entries: [{ name: "h", type: "link", linkname: "../outside/keep" }],
    message: /unsupported type link/,
  },
  {
    name: "hardlink to a file inside (compile never writes hardlinks)",
    entries: [
      { name: "a", data: "x" },
      { name: "h", type: "link", linkname: "a" },
    ],
    message: /unsupported type link/,
  },
  {
    name: "character device",
    entries: [{ name: "null", type: "character-device", devmajor: 1, devminor: 3 }],
    message: /unsupported type character-device/,
  },
  {
    name: "block device",
    entries: [{ name: "sda", type: "block-device", devmajor: 8, devminor: 0 }],
    message: /unsupported type block-device/,
  },
  { name: "FIFO", entries: [{ name: "p", type: "fifo" }], message: /unsupported type fifo/ },
  {
    name: "absolute name",
    entries: [{ name: "/tmp/pwned", data: "x" }],
    message: /outside the archive root/,
  },
  {
    name: ".. name",
    entries: [{ name: "../outside/pwned", data: "x" }],
    message: /outside the archive root/,
  },
  { name: "inner .. name", entries: [{ name: "src/../../outside/pwned", data: "x" }], message: /outside/ },
  { name: "newline in a name", entries: [{ name: "a\nb", data: "x" }], message: /control character/ },
  {
    name: "a file as a parent",
    entries: [
      { name: "f", data: "x" },
      { name: "f/g", data: "y" },
    ],
    message: /is a file/,
  },
];

for (const c of CASES) {
  test(`hostile archive: ${c.name}`, async () => {
    const s = await scene(c.entries);
    await assert.rejects(extractTgz(s.archive, s.root), (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_BUILD_ARCHIVE_UNSAFE", e.message);
      assert.match(e.message, c.message);
      return true;
    });
    await assertOutsideUntouched(s.outside);
    assert.ok(!existsSync(join(s.base, "pwned")));
    for (const n of ["null", "sda", "p", "h"])
      assert.ok(!existsSync(join(s.root, n)), `${n} was not created`);
  });
}

test("hostile archive through openInput (what `mvmctl build x.tgz` runs): refused, temp dir removed", async () => {
  // openInput extracts into tmpdir()/mvm-build-input-*; the scene's base is a sibling of that.
  const base = await mkdtemp(join(tmpdir(), "mvm-adv-tgz-"));
  const s = await scene(
    [
      { name: `${deep}/s`, type: "symlink", linkname: "../../../../.." },
      { name: "t", type: "symlink", linkname: `${deep}/s/../${basename(base)}/outside` },
      { name: "t/pwned", data: "pwned" },
    ],
    base,
  );
  const before = new Set(await readdir(tmpdir()));
  await assert.rejects(openInput(s.archive), { code: "E_BUILD_ARCHIVE_UNSAFE" });
  const left = (await readdir(tmpdir())).filter((n) => n.startsWith("mvm-build-input-") && !before.has(n));
  assert.deepEqual(left, [], "the extraction temp dir is removed");
  await assertOutsideUntouched(s.outside);
});

test("caps: entry count, per-entry size, total size, decompressed stream size", async () => {
  const small = { entries: 3, entryBytes: 100, totalBytes: 150, streamBytes: 64 * 1024 };
  const cases: [Entry[], RegExp, typeof small][] = [
    [[{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }], /more than 3 entries/, small],
    [[{ name: "big", data: Buffer.alloc(101) }], /is 101 bytes; the cap is 100/, small],
    [
      [
        { name: "x", data: Buffer.alloc(100) },
        { name: "y", data: Buffer.alloc(100) },
      ],
      /holds more than 150 bytes/,
      small,
    ],
    [
      [{ name: "bomb", data: Buffer.alloc(1024 * 1024) }],
      /decompresses to more than 65536 bytes/,
      { ...ARCHIVE_LIMITS, streamBytes: 64 * 1024 },
    ],
  ];
  for (const [entries, message, limits] of cases) {
    const s = await scene(entries);
    await assert.rejects(extractTgz(s.archive, s.root, limits), (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_BUILD_ARCHIVE_UNSAFE");
      assert.match(e.message, message);
      return true;
    });
  }
  assert.equal(ARCHIVE_LIMITS.entries, 100_000);
  assert.equal(ARCHIVE_LIMITS.totalBytes, 1024 ** 3);
});

test("a well-formed archive with links inside the tree (also link -> link) still extracts", async () => {
  const s = await scene([
    { name: "src/", type: "directory" },
    { name: "src/", type: "directory" },
    { name: "src/lib/util.py", data: "x = 1\n", mode: 0o755 },
    { name: "src/alias", type: "symlink", linkname: "lib/util.py" },
    { name: "src/alias2", type: "symlink", linkname: "alias" },
    { name: "src/libdir", type: "symlink", linkname: "lib" },
    { name: "src/via", type: "symlink", linkname: "libdir/../lib/util.py" },
  ]);
  await extractTgz(s.archive, s.root);
  assert.equal(await readFile(join(s.root, "src/alias2"), "utf8"), "x = 1\n");
  assert.equal(await readlink(join(s.root, "src/via")), "libdir/../lib/util.py");
  assert.equal((await lstat(join(s.root, "src/lib/util.py"))).mode & 0o777, 0o755);
  await assertOutsideUntouched(s.outside);
});
