// Binds a helper call's arguments to its signature (./tables.ts), as Python binds a call:
// positional parameters first, then keywords (TypeScript passes them as one options object, last).
// Unknown, repeated, surplus and missing arguments are reported here, once for every helper.
import type { HelperSignature } from "./tables.js";
import { type At, isPython, type Language, type Lit, type Prop, type Report } from "./values.js";

export interface Bound {
  given: Map<string, Lit>;
  ok: boolean;
}

export function bindCall(
  sig: HelperSignature,
  called: string,
  positional: Lit[],
  keywords: Prop[],
  at: At,
  language: Language,
  report: Report,
): Bound {
  const py = isPython(language);
  const given = new Map<string, Lit>();
  let ok = true;
  // Python's None for any argument means "not given" (the default applies).
  const absent = (l: Lit) => py && l.t === "null";
  positional.forEach((arg, i) => {
    const name = sig.positional[i];
    if (name === undefined) {
      const n = sig.positional.length;
      const named = sig.keys.filter((k) => !sig.positional.includes(k));
      if (py)
        report(
          "E_BAD_KWARG",
          arg.at,
          `${called}() takes ${n} positional argument${n === 1 ? "" : "s"}, got ${positional.length}`,
          named.length
            ? `pass the others by keyword: ${named.map((k) => `${k}=`).join(", ")}`
            : "remove the extra argument",
        );
      else
        report(
          "E_BAD_KWARG",
          arg.at,
          `${called}() takes ${n ? `${n} positional argument(s) (${sig.positional.join(", ")})` : "no positional arguments"}${named.length ? " and an options object" : ""}`,
        );
      ok = false;
    } else if (!absent(arg)) given.set(name, arg);
  });
  for (const p of keywords) {
    if (!sig.keys.includes(p.key)) {
      if (py)
        report(
          "E_UNKNOWN_KWARG",
          p.keyAt,
          `${called}() has no keyword ${JSON.stringify(p.key)}; it takes ${sig.keys.length ? sig.keys.join(", ") : "no arguments"}`,
          suggestion(p.key, sig.keys),
        );
      else
        report(
          "E_UNKNOWN_KWARG",
          p.keyAt,
          `${called}() has no option ${JSON.stringify(p.key)}`,
          sig.keys.length ? `${called}() takes ${sig.keys.join(", ")}` : `${called}() takes no options`,
        );
      ok = false;
    } else if (given.has(p.key)) {
      report(
        "E_BAD_KWARG",
        p.keyAt,
        py ? `${called}() got ${p.key} twice` : `${called}(): ${p.key} is given twice`,
        "pass each argument once",
      );
      ok = false;
    } else if (!absent(p.value)) given.set(p.key, p.value);
  }
  for (const r of sig.required) {
    if (!given.has(r)) {
      report(
        "E_MISSING_KWARG",
        at,
        `${called}(): ${r} is required`,
        py ? `add ${r}=... to the call` : `pass ${r}`,
      );
      ok = false;
    }
  }
  return { given, ok };
}

/** TypeScript's form: positional arguments, then at most one options object. */
export function splitOptions(sig: HelperSignature, args: Lit[]): { positional: Lit[]; keywords: Prop[] } {
  const last = args[args.length - 1];
  const i = args.length - 1;
  const isOptions = last?.t === "obj" && sig.keys.some((k) => !sig.positional.slice(0, i).includes(k));
  if (isOptions && last.t === "obj") return { positional: args.slice(0, -1), keywords: last.props };
  return { positional: args, keywords: [] };
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
