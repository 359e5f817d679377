// Turns the JavaScript values a script passes to app() and the helpers into declaration values
// (./declare.ts), so the in-process route checks them with exactly the static route's rules.
import type { Lit, Report } from "@mvm/ir/declare";

/** Helper results carry their lowered IR under this key; it is invisible to JSON and spreads. */
export const HELPER = Symbol.for("mvm-sdk.helper");

export interface HelperValue<N extends string = string> {
  readonly [HELPER]: { readonly name: N; readonly ir: unknown };
}

export function isHelperValue(v: unknown): v is HelperValue {
  return typeof v === "object" && v !== null && HELPER in v;
}

function kindOf(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "a function";
  if (typeof v === "object")
    return v === null ? "null" : `an instance of ${(v as object).constructor?.name ?? "an unknown class"}`;
  return typeof v;
}

export function fromValue(v: unknown, report: Report, where: string): Lit {
  if (typeof v === "string") return { t: "str", v, at: undefined };
  if (typeof v === "number") return { t: "num", v, at: undefined };
  if (typeof v === "boolean") return { t: "bool", v, at: undefined };
  if (v === null) return { t: "null", at: undefined };
  if (Array.isArray(v))
    return { t: "arr", items: v.map((x, i) => fromValue(x, report, `${where}[${i}]`)), at: undefined };
  if (isHelperValue(v)) return { t: "helper", name: v[HELPER].name, ir: v[HELPER].ir, at: undefined };
  const proto = typeof v === "object" ? Object.getPrototypeOf(v) : undefined;
  if (typeof v === "object" && (proto === Object.prototype || proto === null)) {
    const props = Object.entries(v as Record<string, unknown>).map(([key, value]) => ({
      key,
      keyAt: undefined,
      value: fromValue(value, report, `${where}.${key}`),
    }));
    return { t: "obj", props, at: undefined };
  }
  report(
    "E_NON_LITERAL",
    undefined,
    `${where} is ${kindOf(v)}, not a literal`,
    "write the value literally (strings, numbers, lists, objects) or with an mvm helper",
  );
  return { t: "bad", at: undefined };
}
