// Reads a declaration value from the AST without evaluating anything: literals as JavaScript
// would produce them, calls to mvm helpers lowered by ./declare.ts, and an error for the rest.

import { helperName, type Lit, lowerHelper, type Prop, type Report } from "@mvm/ir/declare";
import type { Node, ParsedFile } from "./ast.js";
import { sourceOf, unwrap } from "./ast.js";
import { type SdkBindings, sdkExportOf } from "./imports.js";

export interface LiteralContext {
  file: ParsedFile;
  sdk: SdkBindings;
  report: Report;
  language: string;
}

function nonLiteral(cx: LiteralContext, n: Node, why: string, hint?: string): Lit {
  cx.report("E_NON_LITERAL", n, `\`${sourceOf(cx.file, n)}\` ${why}`, hint);
  return { t: "bad", at: n };
}

export function readValue(cx: LiteralContext, raw: Node): Lit {
  const n = unwrap(raw);
  switch (n.type) {
    case "Literal":
      if (typeof n.value === "string") return { t: "str", v: n.value, at: n };
      if (typeof n.value === "number") return { t: "num", v: n.value, at: n };
      if (typeof n.value === "boolean") return { t: "bool", v: n.value, at: n };
      if (n.value === null && n.raw === "null") return { t: "null", at: n };
      return nonLiteral(cx, n, "is not a string, number, boolean or null literal");
    case "TemplateLiteral":
      if (n.expressions.length > 0) {
        return nonLiteral(
          cx,
          n,
          "has ${} interpolation; the compiler does not evaluate it",
          "write the whole string literally",
        );
      }
      return { t: "str", v: n.quasis[0].value.cooked as string, at: n };
    case "UnaryExpression": {
      // -1 is a literal in the source; validation then rejects it where only unsigned numbers fit.
      const arg = unwrap(n.argument);
      if (n.operator === "-" && arg.type === "Literal" && typeof arg.value === "number")
        return { t: "num", v: -arg.value, at: n };
      return nonLiteral(cx, n, "is an expression, not a literal");
    }
    case "ArrayExpression": {
      const items: Lit[] = [];
      for (const el of n.elements as (Node | null)[]) {
        if (el === null) items.push(nonLiteral(cx, n, "has an empty slot"));
        else if (el.type === "SpreadElement")
          items.push(nonLiteral(cx, el, "is a spread; list every item literally"));
        else items.push(readValue(cx, el));
      }
      return { t: "arr", items, at: n };
    }
    case "ObjectExpression":
      return readObject(cx, n);
    case "CallExpression":
      return readCall(cx, n);
    case "Identifier":
      return nonLiteral(
        cx,
        n,
        n.name === "undefined"
          ? "is not a value a declaration can hold"
          : "is a name; the compiler does not evaluate variables",
        n.name === "undefined"
          ? "leave the key out to take the default"
          : "write the value literally where it is used",
      );
    default:
      return nonLiteral(cx, n, "is not a literal");
  }
}

function readObject(cx: LiteralContext, n: Node): Lit {
  const props: Prop[] = [];
  let ok = true;
  for (const p of n.properties as Node[]) {
    if (p.type === "SpreadElement") {
      nonLiteral(cx, p, "is a spread; write every key literally");
      ok = false;
      continue;
    }
    if (p.computed) {
      nonLiteral(cx, p.key, "is a computed key; write the key literally");
      ok = false;
      continue;
    }
    if (p.method || p.kind !== "init") {
      nonLiteral(cx, p, "is a method or accessor, not a value");
      ok = false;
      continue;
    }
    const key =
      p.key.type === "Identifier"
        ? (p.key.name as string)
        : p.key.type === "Literal"
          ? String(p.key.value)
          : undefined;
    if (key === undefined) {
      nonLiteral(cx, p.key, "is not a literal key");
      ok = false;
      continue;
    }
    if (p.shorthand) {
      nonLiteral(
        cx,
        p,
        `is shorthand for ${key}: ${key}, a variable; the compiler does not evaluate variables`,
      );
      props.push({ key, keyAt: p.key, value: { t: "bad", at: p.value } });
      continue;
    }
    props.push({ key, keyAt: p.key, value: readValue(cx, p.value) });
  }
  // Later keys win, as in JavaScript; the first position is kept for error pointers.
  const seen = new Map<string, number>();
  const merged: Prop[] = [];
  for (const p of props) {
    const i = seen.get(p.key);
    if (i === undefined) {
      seen.set(p.key, merged.length);
      merged.push(p);
    } else merged[i] = { ...merged[i]!, value: p.value };
  }
  return ok ? { t: "obj", props: merged, at: n } : { t: "bad", at: n };
}

function readCall(cx: LiteralContext, n: Node): Lit {
  const exported = sdkExportOf(unwrap(n.callee), cx.sdk);
  const called = exported ?? sourceOf(cx.file, n.callee);
  const name = exported !== undefined ? helperName(exported) : undefined;
  if (name === undefined || name === "app" || name === "workload") {
    const why =
      exported === undefined ? `${called}() is not an mvm helper` : `${called}() cannot be used as a value`;
    cx.report("E_UNKNOWN_HELPER", n, `\`${sourceOf(cx.file, n)}\`: ${why}`);
    return { t: "bad", at: n };
  }
  const args: Lit[] = [];
  for (const a of n.arguments as Node[]) {
    if (a.type === "SpreadElement") args.push(nonLiteral(cx, a, "is a spread; pass arguments literally"));
    else args.push(readValue(cx, a));
  }
  return lowerHelper(name, called, args, n, cx.language, cx.report);
}
