// Each parser error code, at the exact line:col of the offending node, and every problem of a file
// reported at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractPython } from "../../../src/compile/frontends/python/index.js";
import { errorsAt, staticCompile } from "./helpers.js";

const HEAD = "import mvm\n";

async function errs(src: string): Promise<string[]> {
  return errorsAt((await extractPython(src, "app.py")).diagnostics);
}

// Positions were checked against str.index() of the snippet in Python, not copied from output.
test("E_SYNTAX at the broken token", async () => {
  assert.deepEqual(await errs(`${HEAD}@mvm.app(image=mvm.python_image()\ndef f(:\n    pass\n`), [
    "E_SYNTAX 2:1",
  ]);
  const r = await extractPython(`${HEAD}x = (1,\n`, "app.py");
  assert.equal(r.diagnostics[0]?.code, "E_SYNTAX");
  assert.equal(r.diagnostics[0]?.location?.lineText !== undefined, true);
});

test("E_SYNTAX for a truncated \\x escape", async () => {
  assert.deepEqual(
    await errs(`${HEAD}@mvm.app(image=mvm.python_image(), env={"A": "\\x4"})\ndef f(): pass\n`),
    ["E_SYNTAX 2:46"],
  );
});

test("E_NO_DECLARATION when mvm is not imported or app is not mvm's", async () => {
  const r = await extractPython(
    `def app(**kw):\n    return lambda f: f\n@app(image=1)\ndef f(): pass\n`,
    "app.py",
  );
  assert.deepEqual(errorsAt(r.diagnostics), ["E_NO_DECLARATION 1:1"]);
  assert.equal(r.hasDeclaration, false);
  // `from other import app` is not mvm either.
  const r2 = await extractPython(
    `import mvm\nfrom other import app\n@app(image=mvm.python_image())\ndef f(): pass\n`,
    "app.py",
  );
  assert.deepEqual(errorsAt(r2.diagnostics), ["E_NO_DECLARATION 1:1"]);
});

test("a Sandbox script without a declaration is not an error (record-mode candidate)", async () => {
  const r = await extractPython(
    `from mvm import Sandbox\nwith Sandbox.create("python-3.12") as sb:\n    sb.commands.start(["python", "run.py"])\n`,
    "s.py",
  );
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.hasSandboxCreate, true);
  assert.equal(r.hasDeclaration, false);
  const r2 = await extractPython(`import mvm as m\nsb = m.Sandbox.create(image="python-3.12")\n`, "s.py");
  assert.equal(r2.hasSandboxCreate, true);
});

test("E_MULTIPLE_DECLARATIONS at the second decorator and second workload()", async () => {
  const src = `${HEAD}mvm.workload(id="a")\nmvm.workload(id="b")\n@mvm.app(image=mvm.python_image())\ndef f(): pass\n@mvm.app(image=mvm.python_image())\ndef g(): pass\n`;
  assert.deepEqual(await errs(src), ["E_MULTIPLE_DECLARATIONS 3:1", "E_MULTIPLE_DECLARATIONS 6:2"]);
});

test("E_NON_LITERAL: names, f-strings, bytes, operators, splats, comprehensions, computed keys", async () => {
  const src = `${HEAD}X = "v"
@mvm.app(
    image=mvm.python_image(),
    name=X,
    env={"A": f"{X}", "B": b"x", "C": "a" + "b", X: "k", **{}},
    entrypoints=[e for e in []],
    **{"network": None},
)
def f(): pass
`;
  assert.deepEqual(await errs(src), [
    "E_NON_LITERAL 5:10",
    "E_NON_LITERAL 6:15",
    "E_NON_LITERAL 6:28",
    "E_NON_LITERAL 6:39",
    "E_NON_LITERAL 6:50",
    "E_NON_LITERAL 6:58",
    "E_NON_LITERAL 7:17",
    "E_NON_LITERAL 8:5",
  ]);
});

test("E_NON_LITERAL for mvm.app used anywhere but a module-level decorator", async () => {
  const src = `${HEAD}def outer():\n    @mvm.app(image=mvm.python_image())\n    def inner(): pass\ndeclare = mvm.app(image=mvm.python_image())\n`;
  const r = await extractPython(src, "app.py");
  assert.deepEqual(errorsAt(r.diagnostics), ["E_NON_LITERAL 3:6", "E_NON_LITERAL 5:11"]);
  assert.equal(r.hasDeclaration, true);
});

test("E_UNKNOWN_HELPER for calls that are not mvm helpers", async () => {
  const src = `${HEAD}import os\n@mvm.app(image=mvm.python_image(), source=os.getcwd(), resources=mvm.resourcez(cpu=1), name=str("x"))\ndef f(): pass\n`;
  assert.deepEqual(await errs(src), [
    "E_UNKNOWN_HELPER 3:43",
    "E_UNKNOWN_HELPER 3:66",
    "E_UNKNOWN_HELPER 3:93",
  ]);
});

test("E_UNKNOWN_KWARG with a did-you-mean hint", async () => {
  const r = await extractPython(
    `${HEAD}@mvm.app(image=mvm.python_image(), resources=mvm.resources(memory_mib=512))\ndef f(): pass\n`,
    "app.py",
  );
  assert.deepEqual(errorsAt(r.diagnostics), ["E_UNKNOWN_KWARG 2:60"]);
  assert.match(
    r.diagnostics[0]!.detail,
    /mvm\.resources\(\) has no keyword "memory_mib"; it takes cpu_cores, cpu, memory_mb, rootfs_size_mb: memory_mib=512/,
  );
  assert.equal(r.diagnostics[0]!.hint, "did you mean memory_mb=?");
  assert.equal(
    r.diagnostics[0]!.location?.lineText,
    "@mvm.app(image=mvm.python_image(), resources=mvm.resources(memory_mib=512))",
  );
});

test("E_MISSING_KWARG for image and for helper requirements", async () => {
  assert.deepEqual(
    await errs(`${HEAD}@mvm.app(name="x", entrypoint=mvm.entrypoint_function(module="m"))\ndef f(): pass\n`),
    ["E_MISSING_KWARG 2:2", "E_MISSING_KWARG 2:31"],
  );
});

test("E_BAD_KWARG: wrong types, bad enum values, both cpu spellings, too many positionals", async () => {
  const src = `${HEAD}@mvm.app(
    image=mvm.local_path("."),
    resources=mvm.resources(cpu=1, cpu_cores=True),
    network=mvm.network(mode="open"),
    env={"A": 1},
    source=mvm.local_path(".", ["**"]),
)
def f(): pass
`;
  assert.deepEqual(await errs(src), [
    "E_BAD_KWARG 3:11",
    "E_BAD_KWARG 4:33",
    "E_BAD_KWARG 5:30",
    "E_BAD_KWARG 6:15",
    "E_BAD_KWARG 7:32",
  ]);
});

test("@mvm.app without parentheses suggests them", async () => {
  const r = await extractPython(`${HEAD}@mvm.app\ndef f(): pass\n`, "app.py");
  assert.deepEqual(errorsAt(r.diagnostics), ["E_BAD_KWARG 2:1"]);
  assert.match(r.diagnostics[0]!.hint ?? "", /forget the parentheses/);
});

test("IR validation errors point at the user's line through locate", async () => {
  const src = `${HEAD}@mvm.app(
    name="Bad_Name",
    image=mvm.python_image(),
    network=mvm.network(mode="bridge", egress=mvm.egress([mvm.host_port("ok.example", 443), mvm.host_port("*", 70000)])),
    entrypoint=mvm.entrypoint(command=["/bin/sh", "-c", "run"]),
)
def f(): pass
`;
  // An invalid id does not hide the rest: the rules run too (the workload id defaults to the name).
  const s = await staticCompile(src);
  assert.deepEqual(errorsAt(s.diagnostics), [
    "E_INVALID_ID 3:10",
    "E_INVALID_ID 3:10",
    "E_SHELL_ENTRYPOINT_FORBIDDEN 6:39",
    "E_NETWORK_WILDCARD 5:107",
    "E_NETWORK_INVALID_PORT 5:112",
  ]);
  const fixed = await staticCompile(src.replace("Bad_Name", "good"));
  assert.deepEqual(errorsAt(fixed.diagnostics), [
    "E_SHELL_ENTRYPOINT_FORBIDDEN 6:39",
    "E_NETWORK_WILDCARD 5:107",
    "E_NETWORK_INVALID_PORT 5:112",
  ]);
});

test("every problem in the file is reported, not only the first", async () => {
  const src = `${HEAD}@mvm.app(image=mvm.python_image(python=3), name=y, env={"K": mvm.literal(1)}, nope=1)\ndef f(): pass\n`;
  assert.equal((await errs(src)).length, 4);
});
