// The pinned tool wheels (uv): taken from the wheelhouse or the cache only when the hash matches,
// a clear error naming the file and hash otherwise, and only the binaries copied into the root.
// No network: the wheel is a stand-in zip made here, pinned by its own hash.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  fetchToolWheel,
  installToolWheels,
  type ToolWheel,
  toolWheel,
} from "../../src/image/deps/tool-wheels.js";

let dir: string;
let fake: ToolWheel;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mvm-tool-wheels-"));
  await mkdir(join(dir, "house"));
  const whl = join(dir, "house", "tool-1.0-py3-none-manylinux_2_17_x86_64.whl");
  execFileSync("python3", [
    "-c",
    "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\nz.writestr('tool-1.0.data/scripts/tool', '#!/bin/sh\\necho tool\\n')\nz.writestr('tool/__init__.py', 'raise SystemExit(1)')\nz.close()",
    whl,
  ]);
  fake = {
    attr: "tool",
    version: "1.0",
    filename: "tool-1.0-py3-none-manylinux_2_17_x86_64.whl",
    url: "http://127.0.0.1:9/unreachable.whl",
    sha256: createHash("sha256").update(readFileSync(whl)).digest("hex"),
    binaries: { "tool-1.0.data/scripts/tool": "usr/local/bin/tool" },
  };
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("uv is pinned to the manylinux x86_64 wheel on files.pythonhosted.org", () => {
  const uv = toolWheel("uv");
  assert.ok(uv);
  assert.match(
    uv.url,
    /^https:\/\/files\.pythonhosted\.org\/packages\/.*\/uv-0\.13\.9-py3-none-manylinux_2_17_x86_64/,
  );
  assert.ok(uv.url.endsWith(uv.filename));
  assert.match(uv.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.values(uv.binaries).sort(), ["usr/local/bin/uv", "usr/local/bin/uvx"]);
  assert.equal(toolWheel("pip"), undefined);
});

test("from the wheelhouse: only the binaries land in the root, executable", async () => {
  const root = join(dir, "root");
  await installToolWheels(root, [fake], { cache: join(dir, "cache"), wheelhouse: join(dir, "house") });
  assert.equal(await readFile(join(root, "usr/local/bin/tool"), "utf8"), "#!/bin/sh\necho tool\n");
  assert.equal(statSync(join(root, "usr/local/bin/tool")).mode & 0o777, 0o755);
  assert.ok(!existsSync(join(root, "tool")), "nothing but the named binaries is extracted");
});

test("a wheelhouse without the file: the error names the file, its hash and where to get it", async () => {
  await assert.rejects(
    fetchToolWheel(fake, join(dir, "cache"), join(dir, "empty")),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /tool-1\.0-py3-none-manylinux_2_17_x86_64\.whl is not in MVM_WHEELHOUSE/);
      assert.match(e.hint ?? "", new RegExp(`sha256 ${fake.sha256}`));
      assert.match(e.hint ?? "", /unreachable\.whl/);
      return true;
    },
  );
});

test("a wrong hash is refused, never installed", async () => {
  await assert.rejects(
    fetchToolWheel({ ...fake, sha256: "0".repeat(64) }, join(dir, "cache"), join(dir, "house")),
    { code: "E_BUILD_DEPS_HASH_MISMATCH" },
  );
});

test("from the cache when it verifies; a download failure explains how to supply the wheel", async () => {
  const cache = join(dir, "cache2");
  await mkdir(cache);
  await writeFile(join(cache, fake.filename), await readFile(join(dir, "house", fake.filename)));
  assert.equal(await fetchToolWheel(fake, cache), join(cache, fake.filename));
  // A corrupted cache entry is dropped and fetched again (here: unreachable, so an error).
  await writeFile(join(cache, fake.filename), "corrupt");
  await assert.rejects(fetchToolWheel(fake, cache), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "E_BUILD_DEPS_FAILED");
    assert.match(e.message, /cannot download tool-1\.0/);
    assert.match(e.hint ?? "", /set MVM_WHEELHOUSE/);
    return true;
  });
  assert.ok(!existsSync(join(cache, fake.filename)));
});
