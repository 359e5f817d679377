// A function entrypoint's parameters, read from a TypeScript/JavaScript module without running it:
// `function f(...)`, `const f = (...) => ...`, `const f = function (...) {...}`, or
// `const f = mvm.app({...})(fn)` (the wrapped fn). Found but not readable -> params null.
import type { FoundFunction, Param } from "../../signature.js";
import { type Node, parseTypeScript, unwrap } from "./ast.js";
import { sdkBindings, sdkExportOf } from "./imports.js";

function paramOf(p: Node, i: number): Param | undefined {
  if (p.type === "TSParameterProperty") return paramOf(p.parameter, i);
  if (p.type === "RestElement") {
    const name = p.argument.type === "Identifier" ? p.argument.name : `arg${i}`;
    return { name, kind: "var_positional", required: false };
  }
  if (p.type === "AssignmentPattern") {
    const name = p.left.type === "Identifier" ? p.left.name : `arg${i}`;
    return { name, kind: "normal", required: false };
  }
  if (p.type === "Identifier") {
    // TypeScript's `this: T` pseudo-parameter is not passed by callers.
    if (p.name === "this") return undefined;
    return { name: p.name, kind: "normal", required: !p.optional };
  }
  // Destructured ({a, b}) or [a, b]: the caller passes one positional value.
  return { name: `arg${i}`, kind: "normal", required: !p.optional };
}

function paramsOf(fn: Node): Param[] {
  const out: Param[] = [];
  (fn.params as Node[]).forEach((p, i) => {
    const param = paramOf(p, i);
    if (param) out.push(param);
  });
  return out;
}

const FUNCTIONS = new Set(["ArrowFunctionExpression", "FunctionExpression", "FunctionDeclaration"]);

/** Top-level statements, looking through `export` and `export default`. */
function topLevel(program: Node): Node[] {
  return (program.body as Node[]).map((s) =>
    (s.type === "ExportNamedDeclaration" || s.type === "ExportDefaultDeclaration") && s.declaration
      ? s.declaration
      : s,
  );
}

export function typescriptFunctionSignature(
  text: string,
  file: string,
  functionName: string,
): FoundFunction | undefined {
  const parsed = parseTypeScript(text, file);
  const sdk = sdkBindings(parsed.program);
  const decls = new Map<string, Node>();
  for (const s of topLevel(parsed.program)) {
    if (s.type === "FunctionDeclaration" && s.id) decls.set(s.id.name, s);
    if (s.type === "VariableDeclaration") {
      for (const d of s.declarations as Node[]) {
        if (d.id.type === "Identifier") decls.set(d.id.name, d.init ? unwrap(d.init) : d);
      }
    }
  }
  const resolve = (name: string, depth: number): FoundFunction | undefined => {
    const n = decls.get(name);
    if (!n) return undefined;
    if (FUNCTIONS.has(n.type)) return { params: paramsOf(n) };
    // const f = mvm.app({...})(fn): the wrapped function is what the runner calls.
    if (n.type === "CallExpression") {
      const inner = unwrap(n.callee);
      if (
        inner.type === "CallExpression" &&
        sdkExportOf(unwrap(inner.callee), sdk) === "app" &&
        n.arguments[0]
      ) {
        const fn = unwrap(n.arguments[0]);
        if (FUNCTIONS.has(fn.type)) return { params: paramsOf(fn) };
        if (fn.type === "Identifier" && depth < 8) return resolve(fn.name, depth + 1) ?? { params: null };
      }
    }
    return { params: null };
  };
  return resolve(functionName, 0);
}
