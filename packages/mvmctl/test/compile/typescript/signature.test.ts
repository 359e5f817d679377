import assert from "node:assert/strict";
import { test } from "node:test";
import { typescriptFunctionSignature } from "../../../src/compile/frontends/typescript/signature.js";

const SRC = `import * as mvm from "mvm-sdk";
export function add(a: number, b = 2, c?: string, ...rest: number[]): number { return a; }
function local({ x }: { x: number }, [y]: number[]) { return x + y; }
export const arrow = async (name: string, opts?: object) => name;
export const fexpr = function (this: unknown, q: string) { return q; };
export const greet = mvm.app({ image: mvm.node_image() })((name: string, times = 1) => name.repeat(times));
function impl(v: number) { return v; }
export const wrapped = mvm.app({ image: mvm.node_image() })(impl);
export const computed = makeHandler();
`;

const sig = (name: string) => typescriptFunctionSignature(SRC, "/w/app.ts", name);

test("function declarations: defaults, optionals and rest", () => {
  assert.deepEqual(sig("add"), {
    params: [
      { name: "a", kind: "normal", required: true },
      { name: "b", kind: "normal", required: false },
      { name: "c", kind: "normal", required: false },
      { name: "rest", kind: "var_positional", required: false },
    ],
  });
  assert.deepEqual(sig("local"), {
    params: [
      { name: "arg0", kind: "normal", required: true },
      { name: "arg1", kind: "normal", required: true },
    ],
  });
});

test("consts bound to arrows and function expressions (this: is not a parameter)", () => {
  assert.deepEqual(
    sig("arrow")?.params?.map((p) => [p.name, p.required]),
    [
      ["name", true],
      ["opts", false],
    ],
  );
  assert.deepEqual(
    sig("fexpr")?.params?.map((p) => p.name),
    ["q"],
  );
});

test("app({...})(fn): the wrapped function's parameters", () => {
  assert.deepEqual(
    sig("greet")?.params?.map((p) => [p.name, p.required]),
    [
      ["name", true],
      ["times", false],
    ],
  );
  assert.deepEqual(
    sig("wrapped")?.params?.map((p) => p.name),
    ["v"],
  );
});

test("found but unknown -> params null; absent -> undefined", () => {
  assert.deepEqual(sig("computed"), { params: null });
  assert.equal(sig("missing"), undefined);
});
