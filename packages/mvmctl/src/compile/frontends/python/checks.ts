// Type checks of helper arguments. Each reports E_BAD_KWARG at the value with the message the
// Python SDK raises for the same mistake: "mvm.<helper>(): <keyword> must be <type>, got <type>".
import type { BoundArg } from "./arguments.js";
import type { Context } from "./context.js";
import { describe, type PyVal } from "./literals.js";

export type HelperVal = Extract<PyVal, { t: "helper" }>;

import type { Origins } from "./origins.js";

export class Checks {
  constructor(
    readonly ctx: Context,
    readonly origins: Origins,
  ) {}

  bad(helper: string, what: string, expected: string, v: PyVal, hint?: string): undefined {
    this.ctx.error(
      "E_BAD_KWARG",
      v.node,
      `mvm.${helper}(): ${what} must be ${expected}, got ${describe(v)}`,
      hint,
    );
    return undefined;
  }

  str(helper: string, what: string, v: PyVal | undefined): string | undefined {
    if (!v) return undefined;
    return v.t === "str" ? v.v : this.bad(helper, what, "a string", v);
  }

  nonEmptyStr(helper: string, what: string, v: PyVal | undefined): string | undefined {
    const s = this.str(helper, what, v);
    if (s === "" && v) {
      this.ctx.error("E_BAD_KWARG", v.node, `mvm.${helper}(): ${what} must not be empty`);
      return undefined;
    }
    return s;
  }

  int(helper: string, what: string, v: PyVal | undefined): number | undefined {
    if (!v) return undefined;
    return v.t === "int" ? v.v : this.bad(helper, what, "an integer", v);
  }

  bool(helper: string, what: string, v: PyVal | undefined): boolean | undefined {
    if (!v) return undefined;
    return v.t === "bool" ? v.v : this.bad(helper, what, "True or False", v);
  }

  oneOf(helper: string, what: string, v: PyVal | undefined, values: readonly string[]): string | undefined {
    const s = this.str(helper, what, v);
    if (s === undefined || !v) return undefined;
    if (!values.includes(s)) {
      this.ctx.error(
        "E_BAD_KWARG",
        v.node,
        `mvm.${helper}(): ${what} must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(s)}`,
      );
      return undefined;
    }
    return s;
  }

  /** A list of strings as an IR array (with origins). */
  strList(helper: string, what: string, v: PyVal | undefined): string[] | undefined {
    if (!v) return undefined;
    if (v.t !== "list") return this.bad(helper, what, "a list of strings", v);
    let ok = true;
    const rows: Array<[unknown, PyVal["node"]]> = [];
    v.items.forEach((item, i) => {
      const s = this.str(helper, `${what}[${i}]`, item);
      if (s === undefined) ok = false;
      else rows.push([s, item.node]);
    });
    return ok ? (this.origins.array(v.node, rows) as string[]) : undefined;
  }

  strMap(helper: string, what: string, v: PyVal | undefined): Record<string, string> | undefined {
    if (!v) return undefined;
    if (v.t !== "dict") return this.bad(helper, what, "a dict of strings", v);
    let ok = true;
    const rows: Array<[string, unknown, PyVal["node"]]> = [];
    for (const e of v.entries) {
      const s = this.str(helper, `${what}[${JSON.stringify(e.key)}]`, e.value);
      if (s === undefined) ok = false;
      else rows.push([e.key, s, e.value.node]);
    }
    return ok ? (this.origins.object(v.node, rows) as Record<string, string>) : undefined;
  }

  /** The IR of a helper result of one of `kinds` (e.g. "source"). */
  helper(
    helper: string,
    what: string,
    v: PyVal | undefined,
    kinds: readonly string[],
    expected: string,
  ): HelperVal | undefined {
    if (!v) return undefined;
    if (v.t === "helper" && kinds.includes(v.kind)) return v;
    return this.bad(helper, what, expected, v);
  }

  /** True when the argument was given and is not None (None means "not given" where allowed). */
  static given(a: BoundArg | undefined): boolean {
    return a !== undefined && a.value?.t !== "none";
  }
}
