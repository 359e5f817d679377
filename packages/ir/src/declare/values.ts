// Declaration values (Lit) and the argument checks every helper uses. A check reports a problem
// and returns undefined; it never throws, so a static route can list every problem of a file.
//
// Messages are spelled for the language the declaration is written in (keywords and `True` in
// Python, options and `true` in TypeScript); the rule is the same. The Python SDK words its
// messages the same way (python/mvm/_checks.py).

import type { ErrorCode } from "../catalog/index.js";
import { recordOrigin } from "./origins.js";

/** A value's position: an AST node for a static route, undefined in-process. Opaque here. */
export type At = unknown;

/** A declaration value: a literal, or the result of an mvm helper call. */
export type Lit =
  | { t: "str"; v: string; at: At }
  /** `float`: written as a float (Python `1.0`); never an integer, whatever its value. */
  | { t: "num"; v: number; at: At; float?: boolean }
  | { t: "bool"; v: boolean; at: At }
  | { t: "null"; at: At }
  | { t: "arr"; items: Lit[]; at: At }
  | { t: "obj"; props: Prop[]; at: At }
  | { t: "helper"; name: string; ir: unknown; at: At }
  /** A value that was already reported as an error; everything built on it is skipped quietly. */
  | { t: "bad"; at: At };

export interface Prop {
  key: string;
  keyAt: At;
  value: Lit;
}

export type Report = (code: ErrorCode, at: At, detail: string, hint?: string) => void;
/** Records where the value at an IR path came from (for locating validation errors). */
export type Mark = (path: (string | number)[], at: At) => void;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The declaring language: "python" or "node" (also the default entrypoint language). */
export type Language = string;

export const isPython = (language: Language): boolean => language === "python";

/** How a value is named in a message, in the declaring language's words. */
export function describe(l: Lit, language: Language = "node"): string {
  const py = isPython(language);
  switch (l.t) {
    case "str":
      return JSON.stringify(l.v);
    case "num":
      return py && l.float && Number.isInteger(l.v) ? `${l.v}.0` : String(l.v);
    case "bool":
      return py ? (l.v ? "True" : "False") : String(l.v);
    case "null":
      return py ? "None" : "null";
    case "arr":
      return "a list";
    case "obj":
      return py ? "a dict" : "an object";
    case "helper":
      return `${py ? "mvm." : ""}${l.name}(...)`;
    case "bad":
      return "an invalid value";
  }
}

export const UNSET = undefined;

/** One helper call's bound arguments, as the lowering functions see them. */
export interface Args {
  /** How the user called the helper, for messages (`localPath`, `mvm.local_path`). */
  called: string;
  at: At;
  get(key: string): Lit | undefined;
  report: Report;
  language: Language;
}

/** Words that differ between the languages, for messages. */
export function words(language: Language) {
  const py = isPython(language);
  return {
    bool: py ? "True or False" : "true or false",
    obj: py ? "a dict" : "an object",
    helper: (name: string) => `${py ? "mvm." : ""}${name}(...)`,
  };
}

export function bad(a: Args, key: string, l: Lit, expected: string): undefined {
  if (l.t !== "bad")
    a.report(
      "E_BAD_KWARG",
      l.at,
      `${a.called}(): ${key} must be ${expected}, got ${describe(l, a.language)}`,
    );
  return UNSET;
}

export function strOf(a: Args, key: string, l: Lit, nonEmpty = false): string | undefined {
  if (l.t !== "str") return bad(a, key, l, "a string");
  if (nonEmpty && l.v === "") {
    a.report("E_BAD_KWARG", l.at, `${a.called}(): ${key} must not be empty`);
    return UNSET;
  }
  return l.v;
}

/** The string at `key`; undefined when absent (required keys are checked when binding). */
export function str(a: Args, key: string, nonEmpty = false): string | undefined {
  const l = a.get(key);
  return l ? strOf(a, key, l, nonEmpty) : UNSET;
}

export function oneOf(a: Args, key: string, values: readonly string[], l = a.get(key)): string | undefined {
  if (!l) return UNSET;
  const s = strOf(a, key, l);
  if (s === undefined) return UNSET;
  if (!values.includes(s)) {
    a.report(
      "E_BAD_KWARG",
      l.at,
      `${a.called}(): ${key} must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(s)}`,
    );
    return UNSET;
  }
  return s;
}

const isInt = (l: Lit): l is Extract<Lit, { t: "num" }> =>
  l.t === "num" && !l.float && Number.isSafeInteger(l.v);

export function uintOf(a: Args, key: string, l: Lit): number | undefined {
  return isInt(l) && l.v >= 0 ? l.v : bad(a, key, l, "a non-negative integer");
}

export function uint(a: Args, key: string): number | undefined {
  const l = a.get(key);
  return l ? uintOf(a, key, l) : UNSET;
}

/** Any integer (ports: their range is an IR rule with its own code). */
export function intOf(a: Args, key: string, l: Lit): number | undefined {
  return isInt(l) ? l.v : bad(a, key, l, "an integer");
}

export function bool(a: Args, key: string): boolean | undefined {
  const l = a.get(key);
  if (!l) return UNSET;
  return l.t === "bool" ? l.v : bad(a, key, l, words(a.language).bool);
}

export function strListOf(a: Args, key: string, l: Lit): string[] | undefined {
  if (l.t !== "arr") return bad(a, key, l, "a list of strings");
  const out: string[] = [];
  let ok = true;
  l.items.forEach((item, i) => {
    if (item.t === "str") out.push(item.v);
    else {
      ok = false;
      bad(a, `${key}[${i}]`, item, "a string");
    }
  });
  return ok
    ? recordOrigin(
        out,
        l.at,
        l.items.map((item, i) => [i, item.at] as [number, At]),
      )
    : UNSET;
}

export function strList(a: Args, key: string): string[] | undefined {
  const l = a.get(key);
  return l ? strListOf(a, key, l) : UNSET;
}

export function strMap(a: Args, key: string): Record<string, string> | undefined {
  const l = a.get(key);
  if (!l) return UNSET;
  if (l.t !== "obj") return bad(a, key, l, `${words(a.language).obj} of strings`);
  const out: Record<string, string> = {};
  let ok = true;
  for (const p of l.props) {
    if (p.value.t === "str") out[p.key] = p.value.v;
    else {
      ok = false;
      bad(a, `${key}.${p.key}`, p.value, "a string");
    }
  }
  return ok ? out : UNSET;
}

/** A helper result of one of the given helpers, or undefined (reported). */
export function helperOf(a: Args, key: string, l: Lit, names: readonly string[]): unknown {
  if (l.t === "helper" && names.includes(l.name)) return l.ir;
  const w = words(a.language);
  return bad(a, key, l, names.map((n) => w.helper(n)).join(" or "));
}

/** Plain JSON of a literal (literal dns, egress items); helper results are not allowed inside. */
export function toPlain(l: Lit, report: Report, where: string): Json | undefined {
  switch (l.t) {
    case "str":
    case "num":
    case "bool":
      return l.v;
    case "null":
      return null;
    case "arr": {
      const out = l.items.map((i) => toPlain(i, report, where));
      return out.includes(undefined) ? UNSET : (out as Json[]);
    }
    case "obj": {
      const out: { [k: string]: Json } = {};
      let ok = true;
      for (const p of l.props) {
        const v = toPlain(p.value, report, where);
        if (v === undefined) ok = false;
        else out[p.key] = v;
      }
      return ok ? out : UNSET;
    }
    case "helper":
      report("E_BAD_KWARG", l.at, `${where}: ${l.name}(...) is not allowed here; write the value literally`);
      return UNSET;
    case "bad":
      return UNSET;
  }
}

/** The props of an object literal with a repeated key kept once, with its last value (as JS does). */
export function lastOfEach(props: Prop[]): Prop[] {
  const last = new Map<string, Prop>();
  for (const p of props) last.set(p.key, p);
  return props.filter((p) => last.get(p.key) === p);
}
