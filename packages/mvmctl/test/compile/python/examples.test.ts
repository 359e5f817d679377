// Every Python example compiles statically without problems and matches its in-process IR.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO, runPython, staticCompile } from "./helpers.js";

const EXAMPLES = join(REPO, "examples/python");

for (const name of readdirSync(EXAMPLES).sort()) {
  test(`examples/python/${name}: static === in-process, no errors`, async () => {
    const dir = join(EXAMPLES, name);
    const s = await staticCompile(readFileSync(join(dir, "app.py"), "utf8"), join(dir, "app.py"));
    assert.ok(s.canonical, JSON.stringify(s.diagnostics, null, 2));
    const p = runPython(["app.py"], { cwd: dir });
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, s.canonical);
  });
}
