// Binds a call's arguments to a helper's signature the way Python does (positional, then keyword;
// *args/**kwargs are not literal). The messages are shared word for word with the Python SDK,
// which checks the same signatures at call time (python/mvm/_signatures.py).
import type { Context } from "./context.js";
import { type CallEvaluator, evaluate, type PyVal } from "./literals.js";
import type { Node } from "./parser.js";

export interface Signature {
  /** Parameters that may be passed by position, in order. */
  positional: readonly string[];
  keywordOnly: readonly string[];
  required: readonly string[];
}

export interface BoundArg {
  /** Undefined when the value had a problem (already reported). */
  value: PyVal | undefined;
  /** The keyword argument (or positional value) node, for messages and locations. */
  node: Node;
}

export type BoundArgs = Map<string, BoundArg>;

export function parameterNames(sig: Signature): string[] {
  return [...sig.positional, ...sig.keywordOnly];
}

/**
 * Binds and evaluates the arguments of `call`. `ok` is false when binding itself failed; the
 * arguments that did bind are still returned so the caller can report problems in them too.
 */
export function bindArguments(
  ctx: Context,
  helper: string,
  sig: Signature,
  call: Node,
  evalCall: CallEvaluator,
): { args: BoundArgs; ok: boolean } {
  const out: BoundArgs = new Map();
  const args = call.childForFieldName("arguments");
  let ok = true;
  let positionalCount = 0;
  const names = parameterNames(sig);
  for (const arg of args?.namedChildren ?? []) {
    if (!arg || arg.type === "comment") continue;
    if (arg.type === "list_splat" || arg.type === "dictionary_splat") {
      ctx.error(
        "E_NON_LITERAL",
        arg,
        `mvm.${helper}(): * and ** arguments cannot be read statically`,
        "write each keyword out literally",
      );
      ok = false;
      continue;
    }
    if (arg.type === "keyword_argument") {
      const name = arg.childForFieldName("name")?.text ?? "";
      const valueNode = arg.childForFieldName("value");
      if (!names.includes(name)) {
        ctx.error(
          "E_UNKNOWN_KWARG",
          arg,
          `mvm.${helper}() has no keyword "${name}"; it takes ${names.length ? names.join(", ") : "no arguments"}`,
          suggestion(name, names),
        );
        ok = false;
        if (valueNode) evaluate(ctx, valueNode, evalCall);
        continue;
      }
      if (out.has(name)) {
        ctx.error("E_BAD_KWARG", arg, `mvm.${helper}() got ${name} twice`, "pass each keyword once");
        ok = false;
        continue;
      }
      out.set(name, { value: valueNode ? evaluate(ctx, valueNode, evalCall) : undefined, node: arg });
      continue;
    }
    // A positional argument.
    const name = sig.positional[positionalCount];
    positionalCount++;
    if (name === undefined) {
      ctx.error(
        "E_BAD_KWARG",
        arg,
        `mvm.${helper}() takes ${sig.positional.length} positional argument${sig.positional.length === 1 ? "" : "s"}, got ${positionalCount}`,
        sig.keywordOnly.length
          ? `pass the others by keyword: ${sig.keywordOnly.map((k) => `${k}=`).join(", ")}`
          : "remove the extra argument",
      );
      ok = false;
      evaluate(ctx, arg, evalCall);
      continue;
    }
    out.set(name, { value: evaluate(ctx, arg, evalCall), node: arg });
  }
  for (const r of sig.required) {
    if (!out.has(r)) {
      ctx.error("E_MISSING_KWARG", call, `mvm.${helper}() needs ${r}=`, `add ${r}=... to the call`);
      ok = false;
    }
  }
  return { args: out, ok };
}

/** "did you mean" for a misspelt keyword: the closest name within two edits. */
export function suggestion(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best ? `did you mean ${best}=?` : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
