// Static extraction: what it reads, every error with its exact line:col, and that it never runs
// the file.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { validateWorkload, workloadCanonicalJson } from "@mvm/ir";
import { extractTypeScript } from "../../../src/compile/frontends/typescript/index.js";

const HEAD = 'import * as mvm from "mvm-sdk";\n';

async function errors(src: string, file = "/w/app.ts") {
  const r = await extractTypeScript(src, file);
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.location?.line}:${d.location?.column}`);
}

async function appOf(src: string, file = "/w/app.ts"): Promise<Record<string, unknown>> {
  const r = await extractTypeScript(src, file);
  assert.deepEqual(r.diagnostics, []);
  const v = validateWorkload(r.value);
  assert.ok(v.workload, JSON.stringify(v.diagnostics));
  return JSON.parse(workloadCanonicalJson(v.workload)).apps[0];
}

test("reports every problem with its line:col, not the first only", async () => {
  const src = `${HEAD}const x = 3;
export const greet = mvm.app({
  image: nix(["a"]),
  resources: mvm.resources({ cpu: x, memory_mb: "512", gpu: 1 }),
  env: { A: \`a\${x}\`, ...o },
  before_start: [1],
})((name: string): string => name);
`;
  assert.deepEqual(await errors(src), [
    "E_UNKNOWN_HELPER 4:10",
    "E_NON_LITERAL 5:35",
    "E_UNKNOWN_KWARG 5:56",
    "E_BAD_KWARG 5:49",
    "E_NON_LITERAL 6:13",
    "E_NON_LITERAL 6:22",
    "E_BAD_KWARG 7:18",
  ]);
});

test("diagnostics carry file, the line text and a hint", async () => {
  const r = await extractTypeScript(
    `${HEAD}export const f = mvm.app({ image: mvm.node_image(), name: who })(() => 1);\n`,
    "/w/app.ts",
  );
  const d = r.diagnostics[0]!;
  assert.equal(d.code, "E_NON_LITERAL");
  assert.deepEqual(d.location, {
    file: "/w/app.ts",
    line: 2,
    column: 59,
    lineText: "export const f = mvm.app({ image: mvm.node_image(), name: who })(() => 1);",
  });
  assert.match(d.detail, /`who` is a name/);
  assert.ok(d.hint && d.hint.length > 0);
});

test("columns count UTF-16 units after non-ASCII text", async () => {
  const src = `${HEAD}export const f = mvm.app({ name: "héllo😀", image: mvm.node_image(), env: { A: b } })(() => 1);\n`;
  // "héllo😀" is 8 UTF-16 units between its quotes; the column is what an editor shows.
  assert.deepEqual(await errors(src), ["E_NON_LITERAL 2:80"]);
});

test("missing image, unknown app option, computed key, spread argument", async () => {
  assert.deepEqual(await errors(`${HEAD}export const f = mvm.app({ nam: "x" })(() => 1);\n`), [
    "E_UNKNOWN_KWARG 2:28",
    "E_MISSING_KWARG 2:18",
  ]);
  assert.deepEqual(
    await errors(
      `${HEAD}export const f = mvm.app({ image: mvm.node_image(), env: { ["A"]: "1" } })(() => 1);\n`,
    ),
    ["E_NON_LITERAL 2:61"],
  );
  assert.deepEqual(
    await errors(`${HEAD}export const f = mvm.app({ image: mvm.nix_packages(...p) })(() => 1);\n`),
    ["E_NON_LITERAL 2:52"],
  );
});

test("unknown helper on the namespace, helper argument types, both cpu spellings", async () => {
  assert.deepEqual(
    await errors(`${HEAD}export const f = mvm.app({ image: mvm.docker_image("x") })(() => 1);\n`),
    ["E_UNKNOWN_HELPER 2:35"],
  );
  assert.deepEqual(
    await errors(`${HEAD}export const f = mvm.app({ image: mvm.python_image({ python: "3" }) })(() => 1);\n`),
    ["E_BAD_KWARG 2:62"],
  );
  assert.deepEqual(
    await errors(
      `${HEAD}export const f = mvm.app({ image: mvm.node_image(), resources: mvm.resources({ cpu: 1, cpu_cores: 2 }) })(() => 1);\n`,
    ),
    ["E_BAD_KWARG 2:85"],
  );
  assert.deepEqual(
    await errors(
      `${HEAD}export const f = mvm.app({ image: mvm.node_image(), env: { K: mvm.secret() } })(() => 1);\n`,
    ),
    ["E_MISSING_KWARG 2:63"],
  );
});

test("two declarations, and app() that wraps nothing", async () => {
  const two = `${HEAD}export const a = mvm.app({ image: mvm.node_image() })(() => 1);\nexport const b = mvm.app({ image: mvm.node_image() })(() => 2);\n`;
  assert.deepEqual(await errors(two), ["E_MULTIPLE_DECLARATIONS 3:18"]);
  assert.deepEqual(await errors(`${HEAD}export const a = mvm.app({ image: mvm.node_image() });\n`), [
    "E_BAD_KWARG 2:18",
  ]);
});

test("syntax errors and files without a declaration", async () => {
  assert.deepEqual(await errors(`${HEAD}export const a = mvm.app({ image: (\n`), ["E_SYNTAX 3:1"]);
  assert.deepEqual(await errors("export const x = 1;\n"), ["E_NO_DECLARATION undefined:undefined"]);
  // app() from another package is not a declaration; the compiler never guesses from the name.
  assert.deepEqual(await errors('import { app } from "other";\nexport const a = app({})(() => 1);\n'), [
    "E_NO_DECLARATION undefined:undefined",
  ]);
  const sandbox = await extractTypeScript(
    'import { Sandbox } from "mvm-sdk";\nawait Sandbox.create("node-22");\n',
    "/w/s.ts",
  );
  assert.deepEqual(sandbox.diagnostics, []);
  assert.equal(sandbox.hasSandboxCreate, true);
  assert.equal(sandbox.hasDeclaration, false);
});

test("name and entrypoint default to the const and the file stem; workload id to the name", async () => {
  const app = await appOf(
    `${HEAD}export const greet = mvm.app({ image: mvm.node_image() })((n: string) => n);\n`,
    "/w/tool.mts",
  );
  assert.equal(app.name, "greet");
  assert.deepEqual(app.entrypoints, [
    {
      env: {},
      format: "json",
      function: "greet",
      kind: "function",
      language: "node",
      module: "tool",
      primary: true,
      working_dir: "/app",
    },
  ]);
  const r = await extractTypeScript(
    `import { app as a, workload, nodeImage } from "mvm-sdk";\nworkload({ id: "wl" });\nexport const f = a({ image: nodeImage() })(() => 1);\n`,
    "/w/app.ts",
  );
  assert.equal((r.value as { id: string }).id, "wl");
});

test("python_image and node_image versions map to nix attributes", async () => {
  const py = await appOf(
    `${HEAD}export const f = mvm.app({ image: mvm.pythonImage({ python: "3.12", packages: ["uv"] }) })(() => 1);\n`,
  );
  assert.deepEqual(py.image, { kind: "nix_packages", packages: ["python312", "uv"] });
  const node = await appOf(
    `${HEAD}export const f = mvm.app({ image: mvm.node_image({ node: "22" }) })(() => 1);\n`,
  );
  assert.deepEqual(node.image, { kind: "nix_packages", packages: ["nodejs_22"] });
});

test("escapes decode as JavaScript does", async () => {
  const src = String.raw`${HEAD}export const f = mvm.app({ image: mvm.node_image(), env: { A: "\x41\u0042\u{43}\n\t\\\"", B: ${"`"}x\u00e9${"`"}, C: '\'' } })(() => 1);
`;
  const app = await appOf(src);
  assert.deepEqual(app.env, {
    A: { kind: "literal", value: 'ABC\n\t\\"' },
    B: { kind: "literal", value: "xé" },
    C: { kind: "literal", value: "'" },
  });
});

test("validation errors are located through locate()", async () => {
  const r = await extractTypeScript(
    `${HEAD}export const f = mvm.app({\n  name: "Bad_Name",\n  image: mvm.node_image(),\n})(() => 1);\n`,
    "/w/app.ts",
  );
  const v = validateWorkload(r.value, r.locate);
  const d = v.diagnostics.find((x) => x.code === "E_INVALID_ID" && x.path === ".apps[0].name");
  assert.deepEqual([d?.location?.line, d?.location?.column], [3, 9]);
});

test("extraction never runs the module, even when the declaration has errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mvm-ts-norun-"));
  const marker = join(dir, "ran");
  const body = (decl: string) => `import * as mvm from "mvm-sdk";
import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(marker)}, "module body ran");
await import("node:fs").then((fs) => fs.writeFileSync(${JSON.stringify(marker)}, "top-level await ran"));
${decl}
mvm.emitJson();
`;
  const good = join(dir, "good.ts");
  writeFileSync(
    good,
    body(
      `export const f = mvm.app({ image: mvm.node_image(), before_start: "touch ${marker}" })(() => { writeFileSync(${JSON.stringify(marker)}, "fn ran"); });`,
    ),
  );
  const bad = join(dir, "bad.ts");
  writeFileSync(
    bad,
    body(
      `export const f = mvm.app({ image: mvm.node_image(), name: (() => { writeFileSync(${JSON.stringify(marker)}, "iife"); return "x"; })() })(() => 1);`,
    ),
  );
  const okResult = await extractTypeScript(body(""), good);
  assert.equal(existsSync(marker), false);
  const g = await extractTypeScript((await import("node:fs")).readFileSync(good, "utf8"), good);
  assert.deepEqual(g.diagnostics, []);
  assert.ok(g.value);
  const b = await extractTypeScript((await import("node:fs")).readFileSync(bad, "utf8"), bad);
  assert.deepEqual(
    b.diagnostics.map((d) => d.code),
    ["E_UNKNOWN_HELPER"],
  );
  assert.equal(okResult.hasDeclaration, false);
  assert.equal(existsSync(marker), false, "static extraction created the marker file");
});
