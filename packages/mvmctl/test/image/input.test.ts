import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { openInput, safeEntryPath } from "../../src/image/input.js";
import { compiledFixture } from "./fixtures.js";

async function tgz(
  entries: { name: string; data?: string; type?: "file" | "directory" | "symlink"; linkname?: string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries)
    pack.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname, mode: 0o644 }, e.data ?? "");
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

test("safeEntryPath refuses absolute paths and ..", () => {
  assert.equal(safeEntryPath("src/app.py"), "src/app.py");
  assert.equal(safeEntryPath("src/"), "src");
  for (const bad of ["/etc/passwd", "../x", "src/../../x", ".."]) {
    assert.throws(() => safeEntryPath(bad), { code: "E_BUILD_ARCHIVE_UNSAFE" }, bad);
  }
});

test("a .tgz of a compiled dir opens like the dir, and its temp dir goes away", async () => {
  const dir = await compiledFixture("python");
  const launch = await readFile(join(dir, "launch.json"), "utf8");
  const archive = join(await mkdtemp(join(tmpdir(), "mvm-tgz-")), "hello.tgz");
  await writeFile(
    archive,
    await tgz([
      { name: "workload.json", data: "{}" },
      { name: "launch.json", data: launch },
      { name: "flake.nix", data: "{}" },
      { name: "src/", type: "directory" },
      { name: "src/app.py", data: "def greet(name): return name\n" },
    ]),
  );
  const opened = await openInput(archive);
  assert.equal(opened.launch.workload_id, "hello-py");
  assert.ok(existsSync(join(opened.dir, "src/app.py")));
  await opened.cleanup();
  assert.ok(!existsSync(opened.dir));
});

test("an archive with an escaping entry or link is refused and nothing is left", async () => {
  const base = await mkdtemp(join(tmpdir(), "mvm-tgz-"));
  for (const [i, entries] of [
    [{ name: "../evil", data: "x" }],
    [{ name: "/abs", data: "x" }],
    [{ name: "src/l", type: "symlink" as const, linkname: "../../etc/passwd" }],
  ].entries()) {
    const archive = join(base, `bad${i}.tgz`);
    await writeFile(archive, await tgz(entries));
    await assert.rejects(openInput(archive), { code: "E_BUILD_ARCHIVE_UNSAFE" });
  }
  assert.ok(!existsSync(join(base, "evil")));
});

test("a directory that is not compiled output is an E_BUILD_INPUT", async () => {
  await assert.rejects(openInput(await mkdtemp(join(tmpdir(), "mvm-empty-"))), { code: "E_BUILD_INPUT" });
});
