// The corpus: every app.py gives the same canonical bytes through the static route and the
// in-process route, and both equal expected.ir.json. MVM_ACCEPT=1 rewrites expected.ir.json from
// the static route (after checking that the in-process route agrees).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CORPUS, runPython, staticCompile } from "./helpers.js";

const cases = readdirSync(CORPUS)
  .filter((d) => existsSync(join(CORPUS, d, "app.py")))
  .sort();

test("the Python corpus has at least 25 cases", () => {
  assert.ok(cases.length >= 25, `only ${cases.length} cases`);
});

for (const name of cases) {
  test(`corpus ${name}: static === in-process === expected.ir.json`, async () => {
    const dir = join(CORPUS, name);
    const text = readFileSync(join(dir, "app.py"), "utf8");
    const s = await staticCompile(text, join(dir, "app.py"));
    assert.ok(s.canonical, `static compile failed: ${JSON.stringify(s.diagnostics, null, 2)}`);
    const p = runPython(["app.py"], { cwd: dir });
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, s.canonical, "in-process bytes differ from static bytes");
    const expectedPath = join(dir, "expected.ir.json");
    if (process.env.MVM_ACCEPT === "1") writeFileSync(expectedPath, s.canonical);
    assert.equal(s.canonical, readFileSync(expectedPath, "utf8"));
    // A TypeScript twin declares the same workload; only "language" may differ.
    const twin = join(dir, "expected.ts.ir.json");
    if (existsSync(twin)) {
      const ts = readFileSync(twin, "utf8").replaceAll('"language":"node"', '"language":"python"');
      assert.equal(s.canonical, ts, "differs from the TypeScript twin beyond language");
    }
  });
}
