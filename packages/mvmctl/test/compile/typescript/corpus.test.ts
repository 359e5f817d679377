// The corpus proves the two TypeScript routes agree: static extraction (never runs app.ts) and
// in-process (`node --import tsx app.ts`, which ends with mvm.emitJson()) give the same canonical
// bytes. Where the Python engineer's expected.ir.json sits in the same case, the TypeScript IR
// equals it except for "language". TS-only cases keep their own golden expected.ts.ir.json
// (rewritten with MVM_ACCEPT=1).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { validateWorkload, workloadCanonicalJson } from "@mvm/ir";
import { extractTypeScript } from "../../../src/compile/frontends/typescript/index.js";

const run = promisify(execFile);
const CORPUS = resolve(import.meta.dirname, "../corpus");
const ACCEPT = process.env.MVM_ACCEPT === "1";
const cases = readdirSync(CORPUS)
  .filter((c) => existsSync(join(CORPUS, c, "app.ts")))
  .sort();

async function staticIr(file: string): Promise<string> {
  const r = await extractTypeScript(readFileSync(file, "utf8"), file);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === "error"),
    [],
    `static extraction of ${file}`,
  );
  const v = validateWorkload(r.value, r.locate);
  assert.ok(v.workload, `validation of ${file}: ${JSON.stringify(v.diagnostics)}`);
  return workloadCanonicalJson(v.workload);
}

async function inProcessIr(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", file], {
    cwd: resolve(CORPUS, "../../../../.."),
    env: { ...process.env, MVM_IN_GUEST: "" },
  });
  return stdout;
}

const nodeLanguage = (ir: string) => ir.replaceAll('"language":"python"', '"language":"node"');

test("the corpus has at least 25 TypeScript cases", () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`);
});

for (const c of cases) {
  test(`corpus ${c}: static === in-process === expected`, async () => {
    const file = join(CORPUS, c, "app.ts");
    const [fromStatic, fromProcess] = await Promise.all([staticIr(file), inProcessIr(file)]);
    assert.equal(fromProcess, fromStatic, "in-process bytes differ from static extraction");
    const python = join(CORPUS, c, "expected.ir.json");
    const tsOnly = join(CORPUS, c, "expected.ts.ir.json");
    if (existsSync(python)) {
      assert.equal(
        nodeLanguage(fromStatic),
        nodeLanguage(readFileSync(python, "utf8").trimEnd()),
        "differs from the Python declaration's IR",
      );
    }
    if (ACCEPT) writeFileSync(tsOnly, fromStatic);
    if (existsSync(tsOnly) || !existsSync(python)) {
      assert.equal(
        fromStatic,
        readFileSync(tsOnly, "utf8"),
        "differs from expected.ts.ir.json (MVM_ACCEPT=1 rewrites it)",
      );
    }
  });
}

const EXAMPLES = resolve(CORPUS, "../../../../../examples/node");
for (const ex of existsSync(EXAMPLES) ? readdirSync(EXAMPLES).sort() : []) {
  const file = join(EXAMPLES, ex, "app.ts");
  if (!existsSync(file)) continue;
  test(`example node/${ex}: static === in-process`, async () => {
    const [fromStatic, fromProcess] = await Promise.all([staticIr(file), inProcessIr(file)]);
    assert.equal(fromProcess, fromStatic);
  });
}
