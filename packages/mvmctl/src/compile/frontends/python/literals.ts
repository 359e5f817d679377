// Turns an expression node into a Python value without evaluating code: only literals (str, int,
// bool, None, list/tuple, dict with literal str keys) and allowlisted mvm helper calls. Anything
// else is reported with its position and the evaluation goes on, so every problem is found.
import type { Context } from "./context.js";
import type { Node } from "./parser.js";
import { decodeEscapes, hasLoneSurrogate, parseIntLiteral, parsePrefix } from "./strings.js";

export type PyVal =
  | { t: "str"; v: string; node: Node }
  | { t: "int"; v: number; node: Node }
  | { t: "float"; node: Node }
  | { t: "bool"; v: boolean; node: Node }
  | { t: "none"; node: Node }
  | { t: "list"; items: PyVal[]; node: Node }
  | { t: "dict"; entries: DictEntry[]; node: Node }
  | { t: "helper"; helper: string; kind: string; ir: unknown; data?: unknown; node: Node };

export interface DictEntry {
  key: string;
  keyNode: Node;
  value: PyVal;
}

/** Evaluates helper calls; supplied by helpers.ts so this module stays about literals. */
export type CallEvaluator = (node: Node) => PyVal | undefined;

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

/** Evaluates an expression that must be a literal or a helper call. */
export function evaluate(ctx: Context, node: Node, call: CallEvaluator): PyVal | undefined {
  switch (node.type) {
    case "string":
    case "concatenated_string": {
      const v = decodeStringNode(ctx, node);
      return v === undefined ? undefined : { t: "str", v, node };
    }
    case "integer": {
      const v = parseIntLiteral(node.text);
      if (v === undefined) {
        // 1j, 10L and friends: numeric, but not an int.
        return { t: "float", node };
      }
      return { t: "int", v: Number(v), node };
    }
    case "float":
      return { t: "float", node };
    case "true":
    case "false":
      return { t: "bool", v: node.type === "true", node };
    case "none":
      return { t: "none", node };
    case "parenthesized_expression": {
      const inner = node.namedChildren.find((c) => c && c.type !== "comment");
      return inner ? evaluate(ctx, inner, call) : undefined;
    }
    case "unary_operator": {
      const op = node.childForFieldName("operator")?.text;
      const arg = node.childForFieldName("argument");
      if (arg && (op === "-" || op === "+")) {
        const v = evaluate(ctx, arg, call);
        if (v?.t === "int") return { t: "int", v: op === "-" ? -v.v : v.v, node };
        if (v?.t === "float") return { t: "float", node };
        if (v === undefined) return undefined;
      }
      ctx.error(
        "E_NON_LITERAL",
        node,
        "an operator expression is computed when the module runs",
        NON_LITERAL_HINT,
      );
      return undefined;
    }
    case "list":
    case "tuple": {
      const items: PyVal[] = [];
      let ok = true;
      for (const c of node.namedChildren) {
        if (!c || c.type === "comment") continue;
        if (c.type === "list_splat") {
          ctx.error("E_NON_LITERAL", c, "a * unpacking is computed when the module runs", NON_LITERAL_HINT);
          ok = false;
          continue;
        }
        const v = evaluate(ctx, c, call);
        if (v === undefined) ok = false;
        else items.push(v);
      }
      return ok ? { t: "list", items, node } : undefined;
    }
    case "dictionary": {
      const entries: DictEntry[] = [];
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
        if (key === undefined || value === undefined) {
          ok = false;
          continue;
        }
        // Python keeps the last value of a repeated key.
        const prev = entries.findIndex((e) => e.key === key);
        if (prev !== -1) entries.splice(prev, 1);
        entries.push({ key, keyNode, value });
      }
      return ok ? { t: "dict", entries, node } : undefined;
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
      return undefined;
    default:
      ctx.error(
        "E_NON_LITERAL",
        node,
        `a ${node.type.replace(/_/g, " ")} is computed when the module runs`,
        NON_LITERAL_HINT,
      );
      return undefined;
  }
}

/** How a value is named in messages; the Python SDK uses the same words. */
export function describe(v: PyVal): string {
  switch (v.t) {
    case "str":
      return "a string";
    case "int":
      return "an integer";
    case "float":
      return "a float";
    case "bool":
      return "a boolean";
    case "none":
      return "None";
    case "list":
      return "a list";
    case "dict":
      return "a dict";
    case "helper":
      return `mvm.${v.helper}(...)`;
  }
}
