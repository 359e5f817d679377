// CPython is the judge of what is Python. Every file in syntax-corpus/ is compiled by python3
// (compile(source, path, "exec"): parsed and compiled, never imported or run) and by mvm's static
// frontend; mvm must reject exactly the files CPython rejects, with E_SYNTAX at a file:line:col.
//
// Version differences: mvm reads declarations for images whose Python is 3.12 by default (up to
// 3.13), so it accepts the newest syntax (PEP 695 type parameters, PEP 701 f-strings) whatever
// python3 runs the tests. A file using such syntax says so on its first line, `# requires: 3.12`;
// on an older python3 the test checks that CPython does reject it (so the marker is not a blanket
// exemption) and that mvm still accepts it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { extractPython } from "../../../src/compile/frontends/python/index.js";
import { runCli, tempDir } from "../../helpers/cli.js";
import { REPO, staticCompile } from "./helpers.js";

const DIR = join(REPO, "packages/mvmctl/test/compile/python/syntax-corpus");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".py"))
  .sort();

// One python3 for the whole corpus; its verdicts come back as JSON on stdout.
const JUDGE = `
import json, sys
out = {"version": list(sys.version_info[:2]), "verdicts": {}}
for p in sys.argv[1:]:
    try:
        with open(p, encoding="utf-8") as f:
            compile(f.read(), p, "exec")
        out["verdicts"][p] = None
    except SyntaxError as e:
        out["verdicts"][p] = {"type": type(e).__name__, "line": e.lineno, "msg": e.msg}
print(json.dumps(out))
`;

interface Verdict {
  type: string;
  line: number;
  msg: string;
}

const judged = spawnSync("python3", ["-c", JUDGE, ...files.map((f) => join(DIR, f))], {
  encoding: "utf8",
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONWARNINGS: "ignore" },
});
const cpython =
  judged.status === 0
    ? (JSON.parse(judged.stdout) as {
        version: [number, number];
        verdicts: Record<string, Verdict | null>;
      })
    : undefined;
const skip = cpython ? false : `python3 did not run: ${judged.error?.message ?? judged.stderr}`;

/** The Python version a file's first line says it needs, if any. */
function requires(text: string): [number, number] | undefined {
  const m = /^# requires: (\d+)\.(\d+)\s*$/m.exec(text.split("\n")[0] ?? "");
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const older = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

test("the syntax corpus has valid and invalid files, and CPython rejects the invalid ones", { skip }, () => {
  const valid = files.filter((f) => f.startsWith("ok-"));
  const invalid = files.filter((f) => f.startsWith("bad-"));
  assert.ok(valid.length >= 20 && invalid.length >= 40, `${valid.length} valid, ${invalid.length} invalid`);
  assert.equal(valid.length + invalid.length, files.length, "every file is ok-* or bad-*");
  // The names are a reading aid; CPython's verdict is what the tests below compare against.
  for (const f of invalid) assert.notEqual(cpython!.verdicts[join(DIR, f)], null, `CPython accepts ${f}`);
});

for (const f of files) {
  test(`syntax corpus ${f}: mvm agrees with CPython`, { skip }, async () => {
    const path = join(DIR, f);
    const text = readFileSync(path, "utf8");
    let verdict = cpython!.verdicts[path];
    const needs = requires(text);
    if (needs && older(cpython!.version, needs)) {
      assert.notEqual(verdict, null, `${f} is marked "requires: ${needs.join(".")}" but CPython accepts it`);
      verdict = null; // what the image's newer Python says
    }
    const r = await extractPython(text, f);
    const syntax = r.diagnostics.filter((d) => d.code === "E_SYNTAX");
    if (verdict === null) {
      assert.deepEqual(syntax, [], `CPython accepts ${f}; mvm said ${JSON.stringify(syntax, null, 1)}`);
      const s = await staticCompile(text, f);
      assert.ok(s.canonical, `no IR for ${f}: ${JSON.stringify(s.diagnostics, null, 1)}`);
      return;
    }
    const why = `CPython: ${verdict?.type} line ${verdict?.line}: ${verdict?.msg}`;
    assert.ok(syntax.length > 0, `mvm accepts ${f}; ${why}`);
    const lines = text.split("\n").length;
    for (const d of r.diagnostics.filter((x) => x.severity === "error")) {
      assert.equal(d.code, "E_SYNTAX", `${f}: ${d.code} besides E_SYNTAX`);
      const loc = d.location;
      assert.ok(
        loc && loc.file === f && loc.line >= 1 && loc.line <= lines && loc.column >= 1,
        `${f}: ${why}`,
      );
    }
  });
}

test("mvmctl compile: an unindented function body exits 1 with E_SYNTAX at app.py:6:1, writing no IR", async () => {
  const dir = await tempDir("mvm-syntax-");
  await writeFile(join(dir, "app.py"), readFileSync(join(DIR, "bad-unindented-body.py"), "utf8"));
  const r = await runCli(["compile", "app.py", "--out", "out"], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /E_SYNTAX/);
  assert.match(r.stderr, /app\.py:6:1/);
  assert.match(r.stderr, /expected an indented block/);
  assert.equal(existsSync(join(dir, "out")), false);
});
