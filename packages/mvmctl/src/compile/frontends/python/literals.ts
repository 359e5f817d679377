// Turns an expression node into a declaration value (the core's Lit, as the TypeScript frontend
// produces) without evaluating code: only literals (str, int, float, True/False/None, list/tuple,
// dict with literal str keys) and mvm helper calls. Anything else is reported with its position
// and the evaluation goes on, so every problem is found.
import type { Lit, Prop } from "@mvm/ir/declare";
import type { Context } from "./context.js";
import type { Node } from "./parser.js";
import { decodeEscapes, hasLoneSurrogate, parseIntLiteral, parsePrefix } from "./strings.js";

/** Evaluates helper calls; supplied by calls.ts so this module stays about literals. */
export type CallEvaluator = (node: Node) => Lit;

const NON_LITERAL_HINT =
  "write the value literally (strings, numbers, lists, dicts) or with an mvm helper; the compiler never evaluates code";

/** A string literal node (or implicit concatenation) decoded; undefined after reporting a problem. */
export function decodeStringNode(ctx: Context, node: Node): string | undefined {
  const parts =
    node.type === "concatenated_string" ? node.namedChildren.filter((c): c is Node => c !== null) : [node];
  let out = "";
  let ok = true;
  for (const part of parts) {
    const start = part.children[0];
    const end = part.children[part.children.length - 1];
    if (!start || !end || start.type !== "string_start" || end.type !== "string_end") {
      ctx.error("E_SYNTAX", part, "unterminated string literal");
      ok = false;
      continue;
    }
    const quote = start.text.replace(/^[A-Za-z]*/, "");
    const prefix = parsePrefix(start.text.slice(0, start.text.length - quote.length));
    if (prefix.bytes) {
      ctx.error("E_NON_LITERAL", part, "a bytes literal is not a string", "drop the b prefix");
      ok = false;
      continue;
    }
    if (prefix.formatted) {
      ctx.error(
        "E_NON_LITERAL",
        part,
        "an f-string is computed when the module runs",
        "write the string without interpolation",
      );
      ok = false;
      continue;
    }
    const body = part.text.slice(start.text.length, part.text.length - end.text.length);
    if (prefix.raw) {
      out += body;
      continue;
    }
    const decoded = decodeEscapes(body);
    for (const p of decoded.problems) {
      if (p.kind === "syntax") ctx.error("E_SYNTAX", part, p.message);
      else if (p.kind === "named")
        ctx.error("E_NON_LITERAL", part, p.message, "write the character itself or use a \\u/\\U escape");
      else
        ctx.error(
          "E_BAD_KWARG",
          part,
          p.message,
          "write the character itself or use a \\U escape for characters outside the BMP",
        );
      ok = false;
    }
    out += decoded.value;
  }
  if (ok && hasLoneSurrogate(out)) {
    ctx.error("E_BAD_KWARG", node, "the string holds a lone surrogate", "write the character itself");
    return undefined;
  }
  return ok ? out : undefined;
}

const bad = (node: Node): Lit => ({ t: "bad", at: node });

/** Evaluates an expression that must be a literal or a helper call. */
export function evaluate(ctx: Context, node: Node, call: CallEvaluator): Lit {
  switch (node.type) {
    case "string":
    case "concatenated_string": {
      const v = decodeStringNode(ctx, node);
      return v === undefined ? bad(node) : { t: "str", v, at: node };
    }
    case "integer": {
      const v = parseIntLiteral(node.text);
      // 1j, 10L and friends: numeric, but not an int.
      if (v === undefined) return { t: "num", v: Number.NaN, at: node, float: true };
      return { t: "num", v: Number(v), at: node };
    }
    case "float":
      return { t: "num", v: Number(node.text.replace(/_/g, "")), at: node, float: true };
    case "true":
    case "false":
      return { t: "bool", v: node.type === "true", at: node };
    case "none":
      return { t: "null", at: node };
    case "parenthesized_expression": {
      const inner = node.namedChildren.find((c) => c && c.type !== "comment");
      return inner ? evaluate(ctx, inner, call) : bad(node);
    }
    case "unary_operator": {
      const op = node.childForFieldName("operator")?.text;
      const arg = node.childForFieldName("argument");
      if (arg && (op === "-" || op === "+")) {
        const v = evaluate(ctx, arg, call);
        if (v.t === "num") return { ...v, v: op === "-" ? -v.v : v.v, at: node };
        if (v.t === "bad") return v;
      }
      ctx.error(
        "E_NON_LITERAL",
        node,
        "an operator expression is computed when the module runs",
        NON_LITERAL_HINT,
      );
      return bad(node);
    }
    case "list":
    case "tuple": {
      const items: Lit[] = [];
      let ok = true;
      for (const c of node.namedChildren) {
        if (!c || c.type === "comment") continue;
        if (c.type === "list_splat") {
          ctx.error("E_NON_LITERAL", c, "a * unpacking is computed when the module runs", NON_LITERAL_HINT);
          ok = false;
          continue;
        }
        const v = evaluate(ctx, c, call);
        if (v.t === "bad") ok = false;
        items.push(v);
      }
      return ok ? { t: "arr", items, at: node } : bad(node);
    }
    case "dictionary": {
      const props: Prop[] = [];
      let ok = true;
      for (const c of node.namedChildren) {
        if (!c || c.type === "comment") continue;
        if (c.type !== "pair") {
          ctx.error("E_NON_LITERAL", c, "a ** unpacking is computed when the module runs", NON_LITERAL_HINT);
          ok = false;
          continue;
        }
        const keyNode = c.childForFieldName("key");
        const valueNode = c.childForFieldName("value");
        if (!keyNode || !valueNode) continue;
        let key: string | undefined;
        if (keyNode.type === "string" || keyNode.type === "concatenated_string")
          key = decodeStringNode(ctx, keyNode);
        else ctx.error("E_NON_LITERAL", keyNode, "a dict key must be a literal string", "quote the key");
        const value = evaluate(ctx, valueNode, call);
        if (key === undefined || value.t === "bad") {
          ok = false;
          continue;
        }
        // Python keeps the last value of a repeated key.
        const prev = props.findIndex((p) => p.key === key);
        if (prev !== -1) props.splice(prev, 1);
        props.push({ key, keyAt: keyNode, value });
      }
      return ok ? { t: "obj", props, at: node } : bad(node);
    }
    case "call":
      return call(node);
    case "identifier":
      ctx.error(
        "E_NON_LITERAL",
        node,
        `the name ${node.text} is only known when the module runs`,
        NON_LITERAL_HINT,
      );
      return bad(node);
    default:
      ctx.error(
        "E_NON_LITERAL",
        node,
        `a ${node.type.replace(/_/g, " ")} is computed when the module runs`,
        NON_LITERAL_HINT,
      );
      return bad(node);
  }
}
