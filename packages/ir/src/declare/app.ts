// app()'s options -> one App value (before validation), and the Workload around it.
import { bindCall } from "./bind.js";
import { lowerAddons, lowerHooks } from "./hooks.js";
import { inheritOrigin } from "./origins.js";
import { APP_KEYS, APP_SIGNATURE, DEFAULTS, HOOK_PHASES } from "./tables.js";
import {
  type Args,
  type At,
  bad,
  helperOf,
  isPython,
  type Language,
  type Lit,
  type Mark,
  type Prop,
  type Report,
  str,
  UNSET,
  words,
} from "./values.js";

export interface AppContext {
  /** The declaring file's stem: the default entrypoint's module. */
  module: string;
  language: Language;
  /** The wrapped function's name (the const it is assigned to, or the function's own name). */
  functionName?: string;
  functionAt?: At;
}

/** Python's `@mvm.app(...)`: its arguments bound (keywords only) into the options buildApp takes. */
export function appOptions(
  positional: Lit[],
  keywords: Prop[],
  at: At,
  language: Language,
  report: Report,
): Lit {
  const { given } = bindCall(APP_SIGNATURE, "mvm.app", positional, keywords, at, language, report);
  const byKey = new Map(keywords.map((p) => [p.key, p.keyAt]));
  const props = [...given].map(([key, value]) => ({ key, keyAt: byKey.get(key) ?? at, value }));
  return { t: "obj", props, at };
}

/**
 * Builds the App value (before validation) from app()'s options. `name` is left out when neither the
 * options nor the context give one; the caller reports that with its own position.
 */
export function buildApp(
  opts: Lit | undefined,
  ctx: AppContext,
  at: At,
  report: Report,
  mark: Mark,
): Record<string, unknown> | undefined {
  const base = ["apps", 0];
  const py = isPython(ctx.language);
  const called = py ? "mvm.app" : "app";
  const w = words(ctx.language);
  mark(base, at);
  if (opts?.t !== "obj") {
    if (opts?.t !== "bad")
      report("E_BAD_KWARG", opts?.at ?? at, "app() takes one options object: app({ image: ..., ... })(fn)");
    return UNSET;
  }
  const a: Args = {
    called,
    at,
    get: (k) => opts.props.findLast((p) => p.key === k)?.value,
    report,
    language: ctx.language,
  };
  let ok = true;
  const fail = (): undefined => {
    ok = false;
    return UNSET;
  };
  for (const p of opts.props) {
    if (!(APP_KEYS as readonly string[]).includes(p.key)) {
      report(
        "E_UNKNOWN_KWARG",
        p.keyAt,
        `${called}() has no option ${JSON.stringify(p.key)}`,
        `${called}() takes ${APP_KEYS.join(", ")}`,
      );
      ok = false;
    }
    if (p.value.t === "bad") ok = false;
    mark([...base, p.key === "entrypoint" ? "entrypoints" : p.key], p.value.at);
  }
  const app: Record<string, unknown> = {};
  const nameLit = a.get("name");
  const name = nameLit ? str(a, "name") : ctx.functionName;
  if (nameLit && name === undefined) fail();
  if (name !== undefined) app.name = name;
  if (!nameLit && ctx.functionAt !== undefined) mark([...base, "name"], ctx.functionAt);

  const sourceLit = a.get("source");
  app.source = sourceLit
    ? (helperOf(a, "source", sourceLit, ["local_path"]) ?? fail())
    : { kind: "local_path", path: DEFAULTS.source_path };

  const imageLit = a.get("image");
  if (!imageLit) {
    report(
      "E_MISSING_KWARG",
      at,
      `${called}(): image is required`,
      `add image: ${["python_image", "node_image", "nix_packages"].map((n) => w.helper(n)).join(", ")}`,
    );
    ok = false;
  } else app.image = helperOf(a, "image", imageLit, ["python_image", "node_image", "nix_packages"]) ?? fail();

  const one = (key: string, names: string[]) => {
    const l = a.get(key);
    if (l) app[key] = helperOf(a, key, l, names) ?? fail();
  };
  one("resources", ["resources"]);
  one("network", ["network"]);
  one("dependencies", ["python_deps", "node_deps", "no_deps"]);

  const envLit = a.get("env");
  if (envLit) {
    const expected = `a string, ${w.helper("literal")} or ${w.helper("secret")}`;
    if (envLit.t !== "obj")
      bad(a, "env", envLit, `${w.obj} of strings, ${w.helper("literal")} or ${w.helper("secret")}`) ?? fail();
    else {
      const env: Record<string, unknown> = {};
      for (const p of envLit.props) {
        mark([...base, "env", p.key], p.value.at);
        const v = p.value;
        if (v.t === "str") env[p.key] = { kind: "literal", value: v.v };
        else if (v.t === "helper" && v.name === "literal") env[p.key] = v.ir;
        else if (v.t === "helper" && v.name === "secret") {
          const s = v.ir as { kind: string; ref: { mount: { kind: string; var?: string } } };
          const mount = inheritOrigin({ kind: "env", var: s.ref.mount.var ?? p.key }, s.ref.mount);
          env[p.key] = inheritOrigin({ ...s, ref: inheritOrigin({ ...s.ref, mount }, s.ref) }, s);
        } else bad(a, `env.${p.key}`, v, expected) ?? fail();
      }
      app.env = env;
    }
  }

  const single = a.get("entrypoint");
  const many = a.get("entrypoints");
  const epNames = ["entrypoint_function", "entrypoint"];
  if (single && many) {
    report("E_BAD_KWARG", many.at, `${called}(): give entrypoint or entrypoints, not both`);
    ok = false;
  } else if (single) {
    const e = helperOf(a, "entrypoint", single, epNames);
    app.entrypoints = e !== undefined ? [e] : fail();
  } else if (many) {
    if (many.t !== "arr")
      bad(a, "entrypoints", many, `a list of ${epNames.map((n) => w.helper(n)).join(" or ")}`) ?? fail();
    else {
      app.entrypoints = many.items.map((l, i) => {
        mark([...base, "entrypoints", i], l.at);
        return helperOf(a, `entrypoints[${i}]`, l, epNames) ?? fail();
      });
    }
  } else if (ctx.functionName !== undefined) {
    // No entrypoint: the wrapped function itself, in the module named after the file.
    app.entrypoints = [
      {
        kind: "function",
        language: ctx.language,
        module: ctx.module,
        function: ctx.functionName,
        format: DEFAULTS.entrypoint.format,
        primary: true,
      },
    ];
  } else if (name === undefined) {
    // Reported by the caller as the missing name; the entrypoint would need the same name.
  } else {
    report(
      "E_MISSING_KWARG",
      at,
      `${called}(): entrypoint is required when the function has no name`,
      "add entrypoint: entrypoint_function({module, function, primary: true})",
    );
    ok = false;
  }

  const addonsLit = a.get("addons");
  if (addonsLit) app.addons = lowerAddons(a, addonsLit, (path, at) => mark([...base, ...path], at)) ?? fail();

  const hooks: Record<string, unknown[]> = {};
  for (const phase of HOOK_PHASES) {
    const l = a.get(phase);
    if (!l) continue;
    const list = lowerHooks(a, phase, l);
    if (list === undefined) ok = false;
    else if (list.length > 0) hooks[phase] = list;
  }
  if (Object.keys(hooks).length > 0) app.hooks = hooks;
  return ok ? app : UNSET;
}

/** The workload value handed to validation: id defaults to the app name. */
export function buildWorkload(
  app: Record<string, unknown>,
  workloadId: string | undefined,
): Record<string, unknown> {
  return { schema_version: "0.1", id: workloadId ?? app.name, apps: [app] };
}
