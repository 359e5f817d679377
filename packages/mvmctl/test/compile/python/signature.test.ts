import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonFunctionSignature } from "../../../src/compile/frontends/python/signature.js";

const SRC = `import mvm
from os import path as joined

@mvm.app(image=mvm.python_image())
async def greet(a, b: int, /, c, d=1, *args: str, e, f: int = 2, **kw) -> str:
    return ""

def kwonly(*, x, y=3):
    pass

def nested():
    def inner(z): pass

alias = greet
class Thing: pass
`;

test("params of a decorated async def: kinds and required", async () => {
  assert.deepEqual(await pythonFunctionSignature(SRC, "greet"), {
    params: [
      { name: "a", kind: "normal", required: true },
      { name: "b", kind: "normal", required: true },
      { name: "c", kind: "normal", required: true },
      { name: "d", kind: "normal", required: false },
      { name: "args", kind: "var_positional", required: false },
      { name: "e", kind: "keyword_only", required: true },
      { name: "f", kind: "keyword_only", required: false },
      { name: "kw", kind: "var_keyword", required: false },
    ],
  });
});

test("keyword-only after a bare *", async () => {
  assert.deepEqual(await pythonFunctionSignature(SRC, "kwonly"), {
    params: [
      { name: "x", kind: "keyword_only", required: true },
      { name: "y", kind: "keyword_only", required: false },
    ],
  });
});

test("assignments, imports and classes are found without a signature; nested defs and absent names are not", async () => {
  assert.deepEqual(await pythonFunctionSignature(SRC, "alias"), { params: null });
  assert.deepEqual(await pythonFunctionSignature(SRC, "joined"), { params: null });
  assert.deepEqual(await pythonFunctionSignature(SRC, "Thing"), { params: null });
  assert.equal(await pythonFunctionSignature(SRC, "inner"), undefined);
  assert.equal(await pythonFunctionSignature(SRC, "missing"), undefined);
});
