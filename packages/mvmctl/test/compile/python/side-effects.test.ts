// Extraction never runs the module: a file whose top level (and decorator neighbourhood) would
// create files gets compiled, and the files do not appear; same for a declaration with an error.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { extractPython } from "../../../src/compile/frontends/python/index.js";
import { errorsAt, runPython, staticCompile } from "./helpers.js";

function sideEffectSource(dir: string, decoratorArgs: string): string {
  const a = join(dir, "top-level");
  const b = join(dir, "in-default-arg");
  const c = join(dir, "in-decorator-neighbour");
  return `import mvm
open(${JSON.stringify(a)}, "w").write("ran")

def touch(path):
    open(path, "w").write("ran")
    return path

@touch(${JSON.stringify(c)}) if False else (lambda f: f)
def unrelated(x=touch(${JSON.stringify(b)})):
    pass

@mvm.app(${decoratorArgs})
def run(p=open(${JSON.stringify(b)}, "w")):
    return p

if __name__ == "__main__":
    mvm.emit_json()
`;
}

test("a valid declaration whose module would create files: extraction creates none", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mvm-side-effect-"));
  try {
    const s = await staticCompile(sideEffectSource(dir, 'name="side", image=mvm.python_image()'));
    assert.ok(s.canonical, JSON.stringify(s.diagnostics));
    assert.ok(!existsSync(join(dir, "top-level")));
    assert.ok(!existsSync(join(dir, "in-default-arg")));
    assert.ok(!existsSync(join(dir, "in-decorator-neighbour")));
    // Proof the test can fail: running the module does create them.
    const p = runPython(["-c", sideEffectSource(dir, 'name="side", image=mvm.python_image()')]);
    assert.equal(p.status, 0, p.stderr);
    assert.ok(existsSync(join(dir, "top-level")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a declaration with an error whose module would create files: error reported, no file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mvm-side-effect-"));
  try {
    const src = sideEffectSource(dir, 'name=touch("x"), image=mvm.python_image(python=open("/tmp/x"))');
    const r = await extractPython(src, "app.py");
    assert.deepEqual(
      errorsAt(r.diagnostics).map((e) => e.split(" ")[0]),
      ["E_UNKNOWN_HELPER", "E_UNKNOWN_HELPER"],
    );
    assert.equal(r.value, undefined);
    assert.ok(!existsSync(join(dir, "top-level")));
    assert.ok(!existsSync(join(dir, "in-default-arg")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
