// In-process helpers check arguments at call time with the static compiler's codes and messages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractTypeScript } from "../../mvmctl/src/compile/frontends/typescript/index.js";
import * as mvm from "../src/index.js";
import { MvmError } from "../src/index.js";

/** The first static diagnostic for `expr` used as the app's image. */
async function staticProblem(expr: string): Promise<{ code: string; detail: string }> {
  const src = `import * as mvm from "mvm-sdk";\nexport const f = mvm.app({ image: ${expr} })(() => 1);\n`;
  const d = (await extractTypeScript(src, "/w/app.ts")).diagnostics[0]!;
  return { code: d.code, detail: d.detail };
}

function thrown(fn: () => unknown): { code: string; detail: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MvmError, `not an MvmError: ${e}`);
    return { code: e.code, detail: e.message };
  }
  assert.fail("did not throw");
}

const bad: [string, () => unknown][] = [
  ['mvm.python_image({ python: "3" })', () => mvm.python_image({ python: "3" })],
  ['mvm.nix_packages(["a", 1])', () => mvm.nix_packages(["a", 1 as unknown as string])],
  ["mvm.nixPackages()", () => (mvm.nixPackages as () => unknown)()],
  ['mvm.node_image({ nodes: "22" })', () => mvm.node_image({ nodes: "22" } as never)],
  ['mvm.local_path(".", { include: "src" })', () => mvm.local_path(".", { include: "src" as never })],
  ["mvm.resources({ cpu: 1, cpu_cores: 2 })", () => mvm.resources({ cpu: 1, cpu_cores: 2 })],
  ["mvm.resources({ memory_mb: 1.5 })", () => mvm.resources({ memory_mb: 1.5 })],
  ['mvm.network({ mode: "open" })', () => mvm.network({ mode: "open" as never })],
  ["mvm.hook(3)", () => mvm.hook(3 as never)],
  ["mvm.hook([])", () => mvm.hook([])],
  ['mvm.hook("")', () => mvm.hook("")],
  ['mvm.hook(mvm.hook("x"))', () => mvm.hook(mvm.hook("x") as never)],
  ['mvm.secret("s", { hosts: [1] })', () => mvm.secret("s", { hosts: [1 as never] })],
  ['mvm.host_port("h")', () => (mvm.host_port as (h: string) => unknown)("h")],
  ['mvm.entrypoint_function({ module: "m" })', () => mvm.entrypoint_function({ module: "m" } as never)],
];

for (const [expr, call] of bad) {
  test(`${expr} throws what mvmctl compile reports`, async () => {
    assert.deepEqual(thrown(call), await staticProblem(expr));
  });
}

test("app() checks its options at call time and returns the function unchanged", () => {
  const fn = (n: string) => `hello ${n}`;
  assert.equal(mvm.app({ image: mvm.node_image() })(fn), fn);
  assert.deepEqual(
    thrown(() => mvm.app({} as never)),
    { code: "E_MISSING_KWARG", detail: "app(): image is required" },
  );
  assert.equal(thrown(() => mvm.app({ image: mvm.node_image(), gpu: 1 } as never)).code, "E_UNKNOWN_KWARG");
  assert.equal(thrown(() => mvm.app({ image: mvm.node_image(), name: undefined })).code, "E_NON_LITERAL");
  assert.equal(thrown(() => mvm.app({ image: mvm.node_image() })(42 as never)).code, "E_BAD_KWARG");
});

test("both spellings give the same value; results are opaque to JSON", () => {
  assert.deepEqual(JSON.stringify(mvm.localPath(".")), "{}");
  const a = mvm.localPath(".", { include: ["a"] });
  const b = mvm.local_path(".", { include: ["a"] });
  assert.deepEqual(a, b);
});
