// Hook phases and addons: the same forms for the app's own phases and each addon's, in every route.
import { HOOK_PHASES } from "./tables.js";
import {
  type Args,
  bad,
  isPython,
  type Lit,
  lastOfEach,
  type Mark,
  strListOf,
  UNSET,
  words,
} from "./values.js";

/**
 * One HookCmd: a string is a shell line, a list of strings an argv, hook(...) itself. Empty lines and
 * empty argvs are declaration errors here (E_BAD_KWARG), not IR validation errors later.
 */
export function lowerHookItem(a: Args, key: string, l: Lit, allowHook = true): unknown {
  if (l.t === "str") {
    if (l.v === "") {
      a.report("E_BAD_KWARG", l.at, `${a.called}(): ${key} must not be empty`);
      return UNSET;
    }
    return { kind: "shell", line: l.v };
  }
  if (l.t === "arr") {
    if (l.items.length === 0) {
      a.report("E_BAD_KWARG", l.at, `${a.called}(): ${key} must not be an empty list`);
      return UNSET;
    }
    const argv = strListOf(a, key, l);
    return argv ? { kind: "argv", argv } : UNSET;
  }
  if (allowHook && l.t === "helper" && l.name === "hook") return l.ir;
  return bad(
    a,
    key,
    l,
    allowHook
      ? `a string, a list of strings or ${words(a.language).helper("hook")}`
      : "a string (shell line) or a list of strings (argv)",
  );
}

/**
 * A hook phase: a string is one shell hook; a list of only strings is one argv hook; hook(...) is one
 * hook; any other list is a list of hooks, each a string (shell), a list of strings (argv) or
 * hook(...). An empty list is no hooks.
 */
export function lowerHooks(a: Args, phase: string, l: Lit): unknown[] | undefined {
  if (l.t === "str" || (l.t === "helper" && l.name === "hook")) {
    const h = lowerHookItem(a, phase, l);
    return h === undefined ? UNSET : [h];
  }
  if (l.t !== "arr")
    return bad(
      a,
      phase,
      l,
      `a string, a list of strings, ${words(a.language).helper("hook")} or a list of those`,
    );
  if (l.items.length === 0) return [];
  if (l.items.every((i) => i.t === "str")) return [lowerHookItem(a, phase, l)];
  const out = l.items.map((item, i) => lowerHookItem(a, `${phase}[${i}]`, item));
  return out.includes(undefined) ? UNSET : out;
}

/**
 * `addons: [{name, hooks: {phase: hooks}}]`. Each phase takes exactly what the app's own phases take
 * (lowerHooks). A Python `None` phase is not given, as for every keyword.
 */
export function lowerAddons(a: Args, l: Lit, mark: Mark): unknown[] | undefined {
  const obj = words(a.language).obj;
  if (l.t !== "arr") return bad(a, "addons", l, `a list of ${obj}s like {name: ..., hooks: {...}}`);
  let ok = true;
  const out = l.items.map((item, i) => {
    const what = `addons[${i}]`;
    mark(["addons", i], item.at);
    if (item.t !== "obj") {
      ok = false;
      return bad(a, what, item, `${obj} like {name: ..., hooks: {...}}`);
    }
    const props = lastOfEach(item.props);
    const addon: Record<string, unknown> = {};
    if (!props.some((p) => p.key === "name")) {
      a.report("E_MISSING_KWARG", item.at, `${a.called}(): ${what} needs "name"`);
      ok = false;
    }
    for (const p of props) {
      if (p.key === "name") {
        mark(["addons", i, "name"], p.value.at);
        if (p.value.t === "str") addon.name = p.value.v;
        else {
          bad(a, `${what}.name`, p.value, "a string");
          ok = false;
        }
      } else if (p.key === "hooks") {
        mark(["addons", i, "hooks"], p.value.at);
        if (p.value.t !== "obj") {
          bad(a, `${what}.hooks`, p.value, `${obj} of hook phases`);
          ok = false;
          continue;
        }
        const hooks: Record<string, unknown[]> = {};
        for (const ph of lastOfEach(p.value.props)) {
          if (!(HOOK_PHASES as readonly string[]).includes(ph.key)) {
            a.report(
              "E_UNKNOWN_KWARG",
              ph.keyAt,
              `${a.called}(): ${what}.hooks has no phase ${JSON.stringify(ph.key)}`,
              `it takes ${HOOK_PHASES.join(", ")}`,
            );
            ok = false;
            continue;
          }
          if (isPython(a.language) && ph.value.t === "null") continue;
          mark(["addons", i, "hooks", ph.key], ph.value.at);
          const list = lowerHooks(a, `${what}.hooks.${ph.key}`, ph.value);
          if (list === undefined) ok = false;
          else if (list.length > 0) hooks[ph.key] = list;
        }
        addon.hooks = hooks;
      } else {
        a.report(
          "E_UNKNOWN_KWARG",
          p.keyAt,
          `${a.called}(): ${what} has no key ${JSON.stringify(p.key)}`,
          "an addon takes name, hooks",
        );
        ok = false;
      }
    }
    return addon;
  });
  return ok ? out : UNSET;
}
