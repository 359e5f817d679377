// The Python SDK checks helper arguments at call time with the static compiler's codes and
// messages: the SDK's tables are generated from the declaration core's (python/mvm/_tables.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { MVM_EXPORTS } from "../../../src/compile/frontends/python/imports.js";
import { extractPython } from "../../../src/compile/frontends/python/index.js";
import { runPython } from "./helpers.js";

test("every SDK export is known to the import resolver (for `from mvm import *`)", () => {
  const p = runPython(["-c", "import json, mvm\nprint(json.dumps(mvm.__all__))"]);
  assert.equal(p.status, 0, p.stderr);
  for (const name of JSON.parse(p.stdout) as string[])
    assert.ok((MVM_EXPORTS as readonly string[]).includes(name), name);
});

const CASES: Array<[string, string]> = [
  ["E_UNKNOWN_KWARG", "mvm.resources(memory_mib=1)"],
  ["E_MISSING_KWARG", "mvm.entrypoint_function(module='m')"],
  ["E_BAD_KWARG", "mvm.resources(cpu_cores='2')"],
  ["E_BAD_KWARG", "mvm.resources(cpu_cores=True)"],
  ["E_BAD_KWARG", "mvm.resources(cpu=1, cpu_cores=2)"],
  ["E_BAD_KWARG", "mvm.network(mode='open')"],
  ["E_BAD_KWARG", "mvm.local_path('.', ['**'])"],
  ["E_BAD_KWARG", "mvm.python_image(python='3')"],
  ["E_BAD_KWARG", "mvm.node_image(node='v22')"],
  ["E_BAD_KWARG", "mvm.hook([])"],
  ["E_BAD_KWARG", "mvm.hook(3)"],
  ["E_BAD_KWARG", "mvm.hook('')"],
  ["E_BAD_KWARG", "mvm.hook(['a', ['b']])"],
  ["E_BAD_KWARG", "mvm.hook(mvm.hook('x'))"],
  ["E_BAD_KWARG", "mvm.secret('')"],
  ["E_BAD_KWARG", "mvm.secret('s', type='token')"],
  ["E_BAD_KWARG", "mvm.egress([('h', 1)])"],
  ["E_BAD_KWARG", "mvm.nix_packages(['a', 1])"],
  ["E_BAD_KWARG", "mvm.entrypoint_function(module='m', function='f', primary=1)"],
  ["E_BAD_KWARG", "mvm.python_deps(lockfile='uv.lock', tool='poetry')"],
  ["E_UNKNOWN_KWARG", "mvm.network(ports=[{'mapping_id': 'a', 'host': 1, 'guest': 1, 'bind': 'x'}])"],
  ["E_MISSING_KWARG", "mvm.network(ports=[{'mapping_id': 'a', 'host': 1}])"],
  ["E_BAD_KWARG", "mvm.dns_resolver('h', 'x')"],
];

for (const [code, expr] of CASES) {
  test(`same code and message statically and at call time: ${expr}`, async () => {
    const r = await extractPython(
      `import mvm\n@mvm.app(image=mvm.python_image(), name=${expr})\ndef f(): pass\n`,
      "app.py",
    );
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    const first = errors[0];
    assert.ok(first, JSON.stringify(r.diagnostics));
    assert.equal(first.code, code);
    const p = runPython([
      "-c",
      `import json, mvm\ntry:\n    ${expr}\n    print(json.dumps(None))\nexcept mvm.MvmError as e:\n    print(json.dumps({"code": e.code, "message": e.message}))`,
    ]);
    assert.equal(p.status, 0, p.stderr);
    const rt = JSON.parse(p.stdout) as { code: string; message: string } | null;
    assert.ok(rt, "the SDK accepted what the compiler rejected");
    assert.equal(rt.code, code);
    assert.ok(first.detail.startsWith(`${rt.message}: `), `static: ${first.detail}\nruntime: ${rt.message}`);
  });
}
