// Reads a call's arguments (positional values and keywords) and hands mvm helper calls to the
// declaration core (@mvm/ir/declare), which binds and checks them exactly as it does for
// TypeScript, with Python's spellings. What stays here is Python's: resolving names through the
// file's imports, and * / ** arguments, which cannot be read statically.
import { type At, HELPER_SIGNATURES, type Lit, lowerCall, type Prop, type Report } from "@mvm/ir/declare";
import type { Context } from "./context.js";
import { type MvmBindings, resolveMvmName } from "./imports.js";
import { evaluate } from "./literals.js";
import type { Node } from "./parser.js";

export const LANGUAGE = "python";

export interface Env {
  ctx: Context;
  bindings: MvmBindings;
  report: Report;
}

/** The core's reports as located diagnostics; `at` is always a tree-sitter node here. */
export function reporter(ctx: Context, fallback: () => Node): Report {
  return (code, at: At, detail, hint) =>
    ctx.error(code, (at as Node | undefined) ?? fallback(), detail, hint);
}

export interface CallArgs {
  positional: Lit[];
  keywords: Prop[];
  /** False when a * or ** argument was reported. */
  ok: boolean;
}

/** Evaluates every argument of `call`; nested helper calls are lowered as they are met. */
export function readArguments(env: Env, call: Node, helper: string): CallArgs {
  const out: CallArgs = { positional: [], keywords: [], ok: true };
  for (const arg of call.childForFieldName("arguments")?.namedChildren ?? []) {
    if (!arg || arg.type === "comment") continue;
    if (arg.type === "list_splat" || arg.type === "dictionary_splat") {
      env.ctx.error(
        "E_NON_LITERAL",
        arg,
        `mvm.${helper}(): * and ** arguments cannot be read statically`,
        "write each keyword out literally",
      );
      out.ok = false;
      continue;
    }
    if (arg.type === "keyword_argument") {
      const valueNode = arg.childForFieldName("value");
      out.keywords.push({
        key: arg.childForFieldName("name")?.text ?? "",
        // A keyword's problems (unknown, repeated) point at the whole `name=value`.
        keyAt: arg,
        value: valueNode ? evaluate(env.ctx, valueNode, (n) => readCall(env, n)) : { t: "bad", at: arg },
      });
      continue;
    }
    out.positional.push(evaluate(env.ctx, arg, (n) => readCall(env, n)));
  }
  return out;
}

/** Evaluates a call in value position: an mvm helper (lowered by the core), or E_UNKNOWN_HELPER. */
export function readCall(env: Env, call: Node): Lit {
  const callee = call.childForFieldName("function");
  const name = callee ? resolveMvmName(callee, env.bindings) : undefined;
  if (!callee || !name || !Object.hasOwn(HELPER_SIGNATURES, name) || name === "workload") {
    const what = name ? `mvm.${name}` : (callee?.text ?? "this");
    env.ctx.error(
      "E_UNKNOWN_HELPER",
      call,
      `${what}(...) is not an mvm helper`,
      `use one of the mvm helpers: ${Object.keys(HELPER_SIGNATURES)
        .filter((h) => h !== "workload")
        .join(", ")}`,
    );
    // Still read the helper calls among the arguments, so that problems inside them are reported.
    for (const a of call.childForFieldName("arguments")?.namedChildren ?? []) {
      const value = a?.type === "keyword_argument" ? a.childForFieldName("value") : a;
      if (value?.type === "call") readCall(env, value);
    }
    return { t: "bad", at: call };
  }
  const args = readArguments(env, call, name);
  const lowered = lowerCall(name, `mvm.${name}`, args.positional, args.keywords, call, LANGUAGE, env.report);
  return args.ok ? lowered : { t: "bad", at: call };
}
