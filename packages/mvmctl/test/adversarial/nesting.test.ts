// Deep nesting is a clear error (issue 11, item 7): 20,000 nested brackets or chained operators
// used to kill oxc with SIGSEGV (exit 139) and end the Python frontend and the IR validator in
// "Maximum call stack size exceeded". Now a scan before parsing refuses them with
// E_NESTING_TOO_DEEP at file:line:col of the first token past the cap, exit 1, no signal.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { MAX_JSON_DEPTH } from "@mvm/ir";
import {
  MAX_BRACKET_DEPTH,
  MAX_CHAIN_TOKENS,
  scanJsNesting,
  scanPythonNesting,
} from "../../src/compile/nesting.js";
import { runCli, tempDir } from "../helpers/cli.js";

const N = 20_000;
const nest = (open: string, inner: string, close: string) => open.repeat(N) + inner + close.repeat(N);

interface Case {
  name: string;
  file: string;
  text: string;
  /** Where the first token past the cap is (omitted for chain caps: anywhere). */
  line?: number;
  column?: number;
  args?: string[];
}

/** `body` repeats an opener of `unit` characters; `before` levels are already open in `prefix`. */
function bracketCase(
  name: string,
  file: string,
  prefix: string,
  body: string,
  o: { unit?: number; before?: number } = {},
): Case {
  const lines = prefix.split("\n");
  const opened = MAX_BRACKET_DEPTH - (o.before ?? 0);
  return {
    name,
    file,
    text: prefix + body,
    line: lines.length,
    column: lines.at(-1)!.length + opened * (o.unit ?? 1) + 1,
  };
}

const TS_DECL = 'import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ name: "x", image: ';
const PY_DECL = 'import mvm\n\n\n@mvm.app(name="x", image=';
const CASES: Case[] = [
  bracketCase("ts [[[...]]]", "deep.ts", "const x = ", `${nest("[", "", "]")};\n`),
  bracketCase("ts {a:{a:...}}", "deep.ts", "const x = ", `${nest("{a:", "1", "}")};\n`, { unit: 3 }),
  bracketCase("ts (((...)))", "deep.ts", "const x = ", `${nest("(", "1", ")")};\n`),
  bracketCase(
    "ts template ${`${...}`}",
    "deep.ts",
    "const x = `",
    `${"${`".repeat(N)}1${"`}".repeat(N)}\`;\n`,
    { unit: 3 },
  ),
  bracketCase("ts inside a declaration argument", "app.ts", TS_DECL, `${nest("[", "", "]")} })(() => 1);\n`, {
    before: 2,
  }),
  bracketCase("mjs [[[...]]]", "deep.mjs", "export default ", `${nest("[", "", "]")};\n`),
  bracketCase("cjs (((...)))", "deep.cjs", "module.exports = ", `${nest("(", "1", ")")};\n`),
  { name: "ts a ? b : a ? b : ...", file: "chain.ts", text: `const x = ${"a ? b : ".repeat(N)}c;\n` },
  { name: "ts x = x = ...", file: "chain.ts", text: `${"x = ".repeat(N)}1;\n` },
  { name: "ts new new ...", file: "chain.ts", text: `const x = ${"new ".repeat(N)}A;\n` },
  { name: "ts A<A<...>>", file: "chain.ts", text: `let x: ${nest("A<", "B", ">")};\n` },
  { name: "ts !!!! on separate lines", file: "chain.ts", text: `const x =\n${"!\n".repeat(N)}1;\n` },
  { name: "tsx <a><a>...", file: "chain.tsx", text: `const x = ${nest("<a>", "", "</a>")};\n` },
  bracketCase("py [[[...]]]", "deep.py", "x = ", `${nest("[", "", "]")}\n`),
  bracketCase("py (((...)))", "deep.py", "x = ", `${nest("(", "1", ")")}\n`),
  bracketCase('py {"a":{"a":...}}', "deep.py", "x = ", `${nest('{"a":', "1", "}")}\n`, { unit: 5 }),
  bracketCase(
    "py inside a declaration argument",
    "app.py",
    PY_DECL,
    `${nest("[", "", "]")})\ndef f():\n    return 1\n`,
    { before: 1 },
  ),
  bracketCase('py f-string f"{[[[...]]]}"', "deep.py", 'x = f"{', `${nest("[", "", "]")}}"\n`, { before: 1 }),
  { name: "py not not not ...", file: "chain.py", text: `x = ${"not ".repeat(N)}1\n` },
  {
    name: "py 300 indentation levels",
    file: "indent.py",
    text:
      Array.from({ length: 300 }, (_, i) => `${" ".repeat(i)}if a:`).join("\n") +
      `\n${" ".repeat(300)}pass\n`,
    line: MAX_BRACKET_DEPTH + 2,
    column: MAX_BRACKET_DEPTH + 2,
  },
];

async function expectTooDeep(
  r: { code: number; stdout: string; stderr: string },
  file: string,
  line?: number,
  column?: number,
) {
  assert.equal(r.code, 1, `exit ${r.code} (a signal exit is -1):\n${r.stderr.slice(0, 2000)}`);
  const e = JSON.parse(r.stdout).error;
  assert.equal(e.code, "E_NESTING_TOO_DEEP", JSON.stringify(e).slice(0, 500));
  const loc = (e.diagnostics?.[0] ?? e).location;
  assert.equal(loc.file, file);
  if (line !== undefined) assert.equal(loc.line, line);
  else assert.ok(loc.line >= 1 && loc.column >= 1);
  if (column !== undefined) assert.equal(loc.column, column);
  assert.doesNotMatch(r.stderr + r.stdout, /Maximum call stack|E_INTERNAL/);
}

describe("deep nesting: E_NESTING_TOO_DEEP with a location, never a crash", () => {
  for (const c of CASES) {
    it(`${c.name} (${c.file})`, async () => {
      const dir = await tempDir("mvm-nesting-");
      await writeFile(path.join(dir, c.file), c.text);
      const r = await runCli(["compile", c.file, "--out", path.join(dir, "out"), "--json"], { cwd: dir });
      await expectTooDeep(r, c.file, c.line, c.column);
    });
  }

  const deepIr = `{"schema_version": "1.0", "id": "x", "apps": ${nest("[", "", "]")}}\n`;
  const irColumn = '{"schema_version": "1.0", "id": "x", "apps": '.length + MAX_JSON_DEPTH; // the root { is level 1
  it("IR .json file", async () => {
    const dir = await tempDir("mvm-nesting-");
    await writeFile(path.join(dir, "w.json"), deepIr);
    const r = await runCli(["compile", "w.json", "--out", path.join(dir, "out"), "--json"], { cwd: dir });
    await expectTooDeep(r, "w.json", 1, irColumn);
  });
  it("IR on stdin", async () => {
    const dir = await tempDir("mvm-nesting-");
    const r = await runCli(["compile", "-", "--out", path.join(dir, "out"), "--json"], {
      cwd: dir,
      input: deepIr,
    });
    await expectTooDeep(r, "<stdin>", 1, irColumn);
  });
  it("a recording (--from-recording)", async () => {
    const dir = await tempDir("mvm-nesting-");
    await writeFile(path.join(dir, "rec.json"), `{"ops": ${nest('{"a":', "1", "}")}}`);
    const r = await runCli(
      ["compile", "--from-recording", "rec.json", "--out", path.join(dir, "out"), "--json"],
      {
        cwd: dir,
      },
    );
    await expectTooDeep(r, "rec.json", 1);
  });
});

describe("just under the caps: the frontends answer, they do not overflow", () => {
  const cases: [string, string, string][] = [
    [
      "app.ts",
      `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ name: "x", image: ${"!".repeat(3950)}1 })(() => 1);\n`,
      "E_NON_LITERAL",
    ],
    ["bad.ts", `const x = ${"!".repeat(3950)}1 +;\n`, "E_SYNTAX"],
    ["bad.py", `import mvm\nx = ${"not ".repeat(3950)}1 +\n`, "E_SYNTAX"],
    [
      "app.py",
      `import mvm\n\n\n@mvm.app(name="x", image=${"[".repeat(250)}${"]".repeat(250)})\ndef f():\n    return 1\n`,
      "E_BAD_KWARG",
    ],
  ];
  for (const [file, text, code] of cases) {
    it(`${file}: ${code}`, async () => {
      const dir = await tempDir("mvm-nesting-");
      await writeFile(path.join(dir, file), text);
      const r = await runCli(["compile", file, "--out", path.join(dir, "out"), "--json"], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).error.code, code);
    });
  }
  it("an IR whose function module in the bundle is 20,000 deep: E_NESTING_TOO_DEEP, oxc never sees it", async () => {
    const dir = await tempDir("mvm-nesting-");
    const app = {
      name: "camel",
      source: { kind: "local_path", path: ".", include: ["**"], exclude: [] },
      image: { kind: "nix_packages", packages: ["nodejs_22"] },
      entrypoints: [
        {
          kind: "function",
          language: "node",
          module: "app",
          function: "camel",
          format: "json",
          primary: true,
        },
      ],
      dependencies: { kind: "none" },
    };
    await writeFile(
      path.join(dir, "w.json"),
      JSON.stringify({ schema_version: "0.1", id: "camel", apps: [app] }),
    );
    await writeFile(path.join(dir, "app.ts"), `export function camel() { return ${nest("[", "", "]")}; }\n`);
    const r = await runCli(["compile", "w.json", "--out", path.join(dir, "out"), "--json"], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    const d = JSON.parse(r.stdout).error.diagnostics[0];
    assert.equal(d.code, "E_NESTING_TOO_DEEP");
    assert.equal(d.path, ".apps[0].entrypoints[0].module");
    assert.match(d.detail, /^app\.ts:1:\d+: brackets nest deeper than 256/);
  });
});

describe("nesting scans: the caps and what stays under them", () => {
  it("exactly the cap is accepted, one more is refused", () => {
    const ok = `x = ${"[".repeat(MAX_BRACKET_DEPTH)}${"]".repeat(MAX_BRACKET_DEPTH)}\n`;
    assert.equal(scanPythonNesting(ok), undefined);
    assert.equal(scanJsNesting(ok), undefined);
    const over = `x = ${"[".repeat(MAX_BRACKET_DEPTH + 1)}${"]".repeat(MAX_BRACKET_DEPTH + 1)}\n`;
    assert.equal(scanPythonNesting(over)?.offset, 4 + MAX_BRACKET_DEPTH);
    assert.equal(scanJsNesting(over)?.offset, 4 + MAX_BRACKET_DEPTH);
  });
  it("brackets in strings, comments, regexes and templates do not count", () => {
    const deep = "[".repeat(1000);
    assert.equal(
      scanJsNesting(
        `const a = "${deep}"; // ${deep}\n/* ${deep} */ const r = /\\[${"[(]".repeat(400)}/; const t = \`${deep}\`;\n`,
      ),
      undefined,
    );
    assert.equal(
      scanPythonNesting(
        `a = "${deep}"  # ${deep}\nb = """\n${deep}\n"""\nc = r'${deep}'\nd = f"{{${deep}"\n`,
      ),
      undefined,
    );
  });
  it("long flat code is not nesting: statements, lists, ASI lines", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `x${i}`);
    assert.equal(
      scanJsNesting(`const a = [${many.join(", ")}];\n${many.map((x) => `call(${x})`).join("\n")}\n`),
      undefined,
    );
    assert.equal(
      scanPythonNesting(`a = [${many.join(", ")}]\n${many.map((x) => `call(${x})`).join("\n")}\n`),
      undefined,
    );
    assert.equal(
      scanJsNesting(
        `const s = ${Array.from({ length: MAX_CHAIN_TOKENS / 2 - 10 }, () => "a").join(" + ")};\n`,
      ),
      undefined,
    );
  });
});
