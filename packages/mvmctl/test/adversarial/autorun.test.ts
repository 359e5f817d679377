// Adversarial corpus for auto-run (issue 11, item 1): a file that declares, or that reaches the mvm
// module in a way compile cannot classify, is NEVER run. Each hostile file in corpus/autorun/ writes
// a marker at its top level (to MVM_TEST_MARKER, a temp path); the test runs the real `mvmctl
// compile` and asserts the marker is never written, with the expected code and location. The
// positive half: a plain Sandbox script still auto-runs (its warning on stderr even with -q and
// --json), and --no-auto-run / MVM_NO_AUTO_RUN=1 refuse it before anything runs.
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, runCli, tempDir } from "../helpers/cli.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.join(HERE, "corpus/autorun");
const SCRIPTS = path.join(HERE, "../compile/record-scripts");

/** file -> [expected code (or "ok" for a static compile), 1-based line of the reported construct, file it is in]. */
const EXPECT: Record<string, [string, number?, string?]> = {
  "py-dunder-import.py": ["E_DECLARATION_UNRECOGNISED", 4],
  "py-importlib.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-alias-app.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-getattr.py": ["E_DECLARATION_UNRECOGNISED", 8],
  "py-globals-write.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-import-in-try.py": ["E_DECLARATION_UNRECOGNISED", 5],
  "py-fullwidth-app.py": ["E_DECLARATION_UNRECOGNISED", 8],
  "py-fullwidth-module.py": ["E_DECLARATION_UNRECOGNISED", 8],
  "py-star-import.py": ["E_MISSING_KWARG", 8], // read statically: the frontend sees `from mvm import *` + @app
  "py-local-reexport.py": ["E_DECLARATION_UNRECOGNISED", 1, "lib/pyreexport.py"],
  "py-local-module-object.py": ["E_DECLARATION_UNRECOGNISED", 1, "lib/pymod.py"],
  "py-sys-modules.py": ["E_DECLARATION_UNRECOGNISED", 10],
  "py-vars.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-exec.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-dunder-dict.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-import-in-function.py": ["E_DECLARATION_UNRECOGNISED", 11],
  "py-submodule.py": ["E_DECLARATION_UNRECOGNISED", 3],
  "py-class-attr.py": ["E_DECLARATION_UNRECOGNISED", 12],
  "py-sandbox-globals.py": ["E_DECLARATION_UNRECOGNISED", 6],
  "py-from-import-app.py": ["E_NON_LITERAL", 13], // read statically, refused as a non-decorator use
  "ts-template-subscript.ts": ["E_DECLARATION_UNRECOGNISED", 8],
  "ts-destructure.ts": ["E_DECLARATION_UNRECOGNISED", 8],
  "ts-local-reexport.ts": ["E_DECLARATION_UNRECOGNISED", 1, "lib/reexport.ts"],
  "ts-import-equals.ts": ["E_DECLARATION_UNRECOGNISED", 5],
  "ts-dynamic-import.ts": ["E_DECLARATION_UNRECOGNISED", 5],
  "ts-eval.ts": ["E_DECLARATION_UNRECOGNISED", 8],
  "ts-function-ctor.ts": ["E_DECLARATION_UNRECOGNISED", 8],
  "ts-alias-app.ts": ["E_DECLARATION_UNRECOGNISED", 8],
  "ts-namespace-passed.ts": ["E_DECLARATION_UNRECOGNISED", 8],
  "ts-path-alias.ts": ["E_DECLARATION_UNRECOGNISED", 7],
  "ts-subpath.ts": ["E_DECLARATION_UNRECOGNISED", 7],
  "ts-local-helper-namespace.mts": ["E_DECLARATION_UNRECOGNISED", 1, "lib/sdk-holder.ts"],
  "js-declares.js": ["ok"], // a literal declaration in .js: compiled statically, not run
  "js-no-sandbox.mjs": ["E_NO_DECLARATION"],
  "js-require-app.cjs": ["E_DECLARATION_UNRECOGNISED", 3],
  "js-module-exports-require.cjs": ["E_DECLARATION_UNRECOGNISED", 5],
  "js-computed-global.mjs": ["E_DECLARATION_UNRECOGNISED", 8],
  "js-constructor.mjs": ["E_DECLARATION_UNRECOGNISED", 8],
  "js-create-require.mjs": ["E_DECLARATION_UNRECOGNISED", 6],
  "js-default-import-subscript.mjs": ["E_MISSING_KWARG", 8], // read statically: sdk["app"] is a declaration
  "js-syntax-error.js": ["E_SYNTAX", 9],
};

/** Runs the real CLI the way record-mode.test.ts does, so a wrongly allowed file really would run. */
async function compile(file: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const dir = await tempDir("mvm-autorun-");
  const marker = path.join(dir, "marker");
  const r = await runCli(["compile", file, "--out", path.join(dir, "out"), ...extra], {
    cwd: REPO_ROOT,
    env: { MVM_TEST_MARKER: marker, PYTHONPATH: path.join(REPO_ROOT, "python"), MVM_TSX: "", ...env },
  });
  return { ...r, ran: existsSync(marker) };
}

describe("auto-run corpus: a file that declares or cannot be classified is never run", () => {
  const files = readdirSync(CORPUS).filter((f) => statSync(path.join(CORPUS, f)).isFile());
  it("has a case for every corpus file (corpus/autorun), across .py .ts .mts .js .mjs .cjs", () => {
    assert.deepEqual(files.sort(), Object.keys(EXPECT).sort());
    assert.ok(files.length >= 25);
    for (const ext of [".py", ".ts", ".mts", ".js", ".mjs", ".cjs"])
      assert.ok(
        files.some((f) => f.endsWith(ext)),
        ext,
      );
  });
  for (const f of files) {
    const [code, line, inFile] = EXPECT[f] ?? ["?"];
    it(`${f}: ${code}, marker never written`, async () => {
      const r = await compile(path.join(CORPUS, f), ["--json"]);
      assert.equal(r.ran, false, `${f} RAN on the host:\n${r.stderr}`);
      const out = JSON.parse(r.stdout);
      if (code === "ok") {
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(out.ok, true);
        return;
      }
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(out.error.code, code, JSON.stringify(out.error));
      const d = out.error.diagnostics?.[0] ?? out.error;
      if (line !== undefined) {
        assert.equal(d.location?.line, line, JSON.stringify(d));
        assert.ok(d.location.column >= 1);
        assert.ok(d.location.file.endsWith(inFile ?? f), d.location.file);
      }
      if (code === "E_DECLARATION_UNRECOGNISED") assert.match(d.hint, /literal form|--from-recording/);
      assert.doesNotMatch(r.stderr, /ON THIS HOST/);
    });
  }
});

describe("auto-run of a plain Sandbox script", () => {
  it("still runs and compiles; the warning is on stderr with -q", async () => {
    const r = await compile(path.join(SCRIPTS, "job.mjs"), ["-q"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: .*job\.mjs has no mvm\.app declaration: running it ON THIS HOST in record mode/,
    );
  });
  it("--json: stdout is the JSON result, the warning is on stderr", async () => {
    const r = await compile(path.join(SCRIPTS, "etl.py"), ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.ran, true, "the trusted script ran");
    assert.equal(JSON.parse(r.stdout).ok, true);
    assert.match(r.stderr, /ON THIS HOST in record mode/);
  });
  it("--no-auto-run refuses it before anything runs", async () => {
    const r = await compile(path.join(SCRIPTS, "etl.ts"), ["--no-auto-run", "--json"]);
    assert.equal(r.code, 1);
    assert.equal(r.ran, false);
    assert.equal(JSON.parse(r.stdout).error.code, "E_AUTORUN_REFUSED");
    assert.doesNotMatch(r.stderr, /ON THIS HOST in record mode \(/);
  });
  for (const v of ["1", "true", "yes"]) {
    it(`MVM_NO_AUTO_RUN=${v} refuses it`, async () => {
      const r = await compile(path.join(SCRIPTS, "etl.py"), [], { MVM_NO_AUTO_RUN: v });
      assert.equal(r.code, 1);
      assert.equal(r.ran, false);
      assert.match(r.stderr, /error\[E_AUTORUN_REFUSED\]/);
      assert.match(r.stderr, /MVM_NO_AUTO_RUN/);
    });
  }
  it("MVM_NO_AUTO_RUN=0 leaves auto-run on", async () => {
    const r = await compile(path.join(SCRIPTS, "job.mjs"), ["-q"], { MVM_NO_AUTO_RUN: "0" });
    assert.equal(r.code, 0, r.stderr);
  });
});
