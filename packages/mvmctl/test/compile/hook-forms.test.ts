// App and addon hooks take the same forms in Python and TypeScript, through all four routes: static
// Python (tree-sitter), in-process Python (`python3 app.py`, emit_json), static TypeScript (oxc) and
// in-process TypeScript (`node --import tsx app.ts`, emitJson). One declaration gives the same IR
// bytes everywhere; one mistake gives the same error code everywhere.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fourRoutes } from "./four-routes.js";
import { CORPUS } from "./python/helpers.js";

test("addon and app hooks in every form: four routes give the same IR bytes", async () => {
  const dir = join(CORPUS, "addons-hook-forms");
  const outcomes = await fourRoutes(dir);
  const expected = readFileSync(join(dir, "expected.ir.json"), "utf8");
  for (const [route, o] of Object.entries(outcomes))
    assert.deepEqual(o, { ir: expected }, `${route} differs from expected.ir.json`);
  // The golden file itself says what each form means.
  const app = JSON.parse(expected).apps[0];
  const shell = (line: string) => ({ kind: "shell", line });
  const argv = (...a: string[]) => ({ kind: "argv", argv: a });
  assert.deepEqual(app.addons, [
    {
      name: "otel",
      hooks: {
        before_build: [shell("pip download otel > /tmp/otel.log")],
        before_start: [argv("otelcol", "--config", "/etc/otel.yaml")],
        after_start: [argv("curl", "-fsS", "http://127.0.0.1:4318/")],
        before_stop: [shell("kill -TERM $(cat /run/otel.pid)"), argv("sync"), shell("echo otel stopped")],
      },
    },
    {
      name: "audit",
      hooks: {
        before_build: [argv("true"), argv("auditctl", "-e", "1")],
        before_start: [shell("auditd -s")],
      },
    },
    { name: "plain" },
  ]);
  assert.deepEqual(app.hooks, {
    before_start: [shell("echo app")],
    after_start: [argv("test", "-f", "/run/ready"), shell("echo ready")],
  });
});

// [what, Python keyword(s), TypeScript option(s), code]. Each runs as an app-level hook or inside an
// addon, through all four routes.
const ERRORS: Array<[string, string, string, string]> = [
  ["a number", "before_start=3", "before_start: 3", "E_BAD_KWARG"],
  ["a boolean", "after_start=True", "after_start: true", "E_BAD_KWARG"],
  ["an empty shell line", 'before_start=""', 'before_start: ""', "E_BAD_KWARG"],
  ["an empty argv in a list", 'before_start=[["a"], []]', 'before_start: [["a"], []]', "E_BAD_KWARG"],
  ["a list nested in an argv", 'before_start=[["a", ["b"]]]', 'before_start: [["a", ["b"]]]', "E_BAD_KWARG"],
  ["a number in a list of hooks", 'before_stop=["a", 1]', 'before_stop: ["a", 1]', "E_BAD_KWARG"],
  [
    "hook() of a hook()",
    'before_start=mvm.hook(mvm.hook("x"))',
    'before_start: mvm.hook(mvm.hook("x"))',
    "E_BAD_KWARG",
  ],
  ["hook() of an empty list", "before_start=mvm.hook([])", "before_start: mvm.hook([])", "E_BAD_KWARG"],
  ["hook() of an empty line", 'before_start=mvm.hook("")', 'before_start: mvm.hook("")', "E_BAD_KWARG"],
  [
    "an IR object instead of a hook",
    'before_start=[{"kind": "shell", "line": "x"}]',
    'before_start: [{ kind: "shell", line: "x" }]',
    "E_BAD_KWARG",
  ],
  [
    "addon: a number",
    'addons=[{"name": "a", "hooks": {"before_start": 7}}]',
    'addons: [{ name: "a", hooks: { before_start: 7 } }]',
    "E_BAD_KWARG",
  ],
  [
    "addon: an empty argv",
    'addons=[{"name": "a", "hooks": {"after_start": [[]]}}]',
    'addons: [{ name: "a", hooks: { after_start: [[]] } }]',
    "E_BAD_KWARG",
  ],
  [
    "addon: a list nested in an argv",
    'addons=[{"name": "a", "hooks": {"before_build": [mvm.hook("x"), ["a", ["b"]]]}}]',
    'addons: [{ name: "a", hooks: { before_build: [mvm.hook("x"), ["a", ["b"]]] } }]',
    "E_BAD_KWARG",
  ],
  [
    "addon: an IR object instead of a hook",
    'addons=[{"name": "a", "hooks": {"before_start": [{"kind": "shell", "line": "x"}]}}]',
    'addons: [{ name: "a", hooks: { before_start: [{ kind: "shell", line: "x" }] } }]',
    "E_BAD_KWARG",
  ],
  [
    "addon: an unknown phase",
    'addons=[{"name": "a", "hooks": {"on_boot": "x"}}]',
    'addons: [{ name: "a", hooks: { on_boot: "x" } }]',
    "E_UNKNOWN_KWARG",
  ],
  [
    "addon: an unknown key",
    'addons=[{"name": "a", "run": "x"}]',
    'addons: [{ name: "a", run: "x" }]',
    "E_UNKNOWN_KWARG",
  ],
  [
    "addon: no name",
    'addons=[{"hooks": {"before_start": "x"}}]',
    'addons: [{ hooks: { before_start: "x" } }]',
    "E_MISSING_KWARG",
  ],
  ["addon: a name that is not a string", 'addons=[{"name": 3}]', "addons: [{ name: 3 }]", "E_BAD_KWARG"],
  [
    "addon: a name that is not an id",
    'addons=[{"name": "Otel_1"}]',
    'addons: [{ name: "Otel_1" }]',
    "E_INVALID_ID",
  ],
  [
    "addon: hooks that are not a mapping",
    'addons=[{"name": "a", "hooks": "x"}]',
    'addons: [{ name: "a", hooks: "x" }]',
    "E_BAD_KWARG",
  ],
  ["addon: not a mapping", 'addons=["otel"]', 'addons: ["otel"]', "E_BAD_KWARG"],
  ["addons: not a list", 'addons="otel"', 'addons: "otel"', "E_BAD_KWARG"],
];

// Inside the repo so that "mvm-sdk" resolves to this workspace package.
const TMP = mkdtempSync(join(resolve(import.meta.dirname), ".tmp-hooks-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

ERRORS.forEach(([what, py, ts, code], i) => {
  test(`${what}: ${code} in all four routes`, async () => {
    const dir = join(TMP, String(i));
    mkdirSync(dir);
    writeFileSync(
      join(dir, "app.py"),
      `import mvm\n\n\n@mvm.app(image=mvm.python_image(), ${py})\ndef svc() -> None:\n    pass\n\n\nmvm.emit_json()\n`,
    );
    writeFileSync(
      join(dir, "app.ts"),
      `import * as mvm from "mvm-sdk";\n\nexport const svc = mvm.app({ image: mvm.python_image(), ${ts} })((): void => {});\n\nmvm.emitJson();\n`,
    );
    const outcomes = await fourRoutes(dir);
    for (const [route, o] of Object.entries(outcomes))
      assert.deepEqual(o, { codes: [code] }, `${route}: ${JSON.stringify(o)}`);
  });
});
