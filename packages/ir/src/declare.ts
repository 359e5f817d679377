// The meaning of a TypeScript declaration: helper arguments -> IR fragments, app options -> one App.
//
// Two routes run this same code: the static frontend (mvmctl, over values read from the AST) and
// mvm-sdk (in-process, over the values a script passes). Both import it as "@mvm/ir/declare", a
// subpath that loads nothing else (no zod), because the SDK is also imported inside guests.
//
// No runtime imports (the catalogue's code type only), no I/O. A value's position (`at`) is opaque here: an AST node for the static route,
// undefined in-process. Problems are reported, never thrown, so the static route can list them all.

import type { ErrorCode } from "./catalog/index.js";

export type At = unknown;

/** A declaration value: a literal, or the result of an mvm helper call. */
export type Lit =
  | { t: "str"; v: string; at: At }
  | { t: "num"; v: number; at: At }
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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Args {
  /** How the user called the helper, for messages (`localPath`, `local_path`). */
  called: string;
  at: At;
  get(key: string): Lit | undefined;
  report: Report;
  language: string;
}

interface HelperSpec {
  /** Parameters that may be passed positionally, in order (they may also be options keys). */
  positional: string[];
  /** Every accepted parameter name. */
  keys: string[];
  lower(a: Args): unknown;
}

const UNSET = undefined;

/** `localPath` -> `local_path`; undefined when the name is not an mvm helper. */
export function helperName(name: string): string | undefined {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return Object.hasOwn(HELPERS, snake) || snake === "app" ? snake : undefined;
}

/** Every helper name a script may call, in both spellings (for hints and the SDK's exports). */
export function helperNames(): string[] {
  return Object.keys(HELPERS);
}

export function describe(l: Lit): string {
  switch (l.t) {
    case "str":
      return JSON.stringify(l.v);
    case "num":
      return String(l.v);
    case "bool":
      return String(l.v);
    case "null":
      return "null";
    case "arr":
      return "a list";
    case "obj":
      return "an object";
    case "helper":
      return `${l.name}(...)`;
    case "bad":
      return "an invalid value";
  }
}

function bad(a: Args, key: string, l: Lit, expected: string): undefined {
  if (l.t !== "bad")
    a.report("E_BAD_KWARG", l.at, `${a.called}(): ${key} must be ${expected}, got ${describe(l)}`);
  return UNSET;
}

function str(a: Args, key: string, required = false): string | undefined {
  const l = a.get(key);
  if (!l) {
    if (required) a.report("E_MISSING_KWARG", a.at, `${a.called}(): ${key} is required`);
    return UNSET;
  }
  return l.t === "str" ? l.v : bad(a, key, l, "a string");
}

function uint(a: Args, key: string, required = false): number | undefined {
  const l = a.get(key);
  if (!l) {
    if (required) a.report("E_MISSING_KWARG", a.at, `${a.called}(): ${key} is required`);
    return UNSET;
  }
  return l.t === "num" && Number.isSafeInteger(l.v) && l.v >= 0
    ? l.v
    : bad(a, key, l, "a non-negative integer");
}

function bool(a: Args, key: string): boolean | undefined {
  const l = a.get(key);
  if (!l) return UNSET;
  return l.t === "bool" ? l.v : bad(a, key, l, "true or false");
}

function strListOf(a: Args, key: string, l: Lit): string[] | undefined {
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
  return ok ? out : UNSET;
}

function strList(a: Args, key: string, required = false): string[] | undefined {
  const l = a.get(key);
  if (!l) {
    if (required) a.report("E_MISSING_KWARG", a.at, `${a.called}(): ${key} is required`);
    return UNSET;
  }
  return strListOf(a, key, l);
}

function strMap(a: Args, key: string): Record<string, string> | undefined {
  const l = a.get(key);
  if (!l) return UNSET;
  if (l.t !== "obj") return bad(a, key, l, "an object of strings");
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
function helperOf(a: Args, key: string, l: Lit, names: string[]): unknown {
  if (l.t === "helper" && names.includes(l.name)) return l.ir;
  return bad(a, key, l, names.map((n) => `${n}(...)`).join(" or "));
}

/** Plain JSON of a literal (ports, literal dns); helper results are not allowed inside. */
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

function hostPortOf(a: Args, key: string, l: Lit): { host: string; port: number } | undefined {
  if (l.t === "helper" && l.name === "host_port") return l.ir as { host: string; port: number };
  if (l.t === "obj") {
    const v = toPlain(l, a.report, `${a.called}()`);
    return v as { host: string; port: number } | undefined;
  }
  return bad(a, key, l, "host_port(host, port)");
}

/**
 * One HookCmd: a string is a shell line, a list of strings an argv, hook(...) itself. Empty lines and
 * empty argvs are declaration errors here (E_BAD_KWARG, as in Python), not IR validation errors later.
 */
function lowerHookItem(a: Args, key: string, l: Lit, allowHook = true): unknown {
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
      ? "a string, a list of strings or hook(...)"
      : "a string (shell line) or a list of strings (argv)",
  );
}

const HELPERS: Record<string, HelperSpec> = {
  local_path: {
    positional: ["path"],
    keys: ["path", "include", "exclude"],
    lower: (a) => {
      const path = str(a, "path", true);
      const include = strList(a, "include");
      const exclude = strList(a, "exclude");
      if (path === undefined) return UNSET;
      return { kind: "local_path", path, ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
    },
  },
  python_image: {
    positional: [],
    keys: ["python", "packages"],
    lower: (a) => {
      const python = str(a, "python") ?? (a.get("python") ? UNSET : "3.12");
      const packages = strList(a, "packages") ?? (a.get("packages") ? UNSET : []);
      if (python === undefined || packages === undefined) return UNSET;
      const m = /^(\d+)\.(\d+)$/.exec(python);
      if (!m) {
        a.report(
          "E_BAD_KWARG",
          a.get("python")?.at ?? a.at,
          `${a.called}(): python must look like "3.12", got ${JSON.stringify(python)}`,
        );
        return UNSET;
      }
      return { kind: "nix_packages", packages: [`python${m[1]}${m[2]}`, ...packages] };
    },
  },
  node_image: {
    positional: [],
    keys: ["node", "packages"],
    lower: (a) => {
      const l = a.get("node");
      let node: string | undefined = "22";
      if (l)
        node =
          l.t === "str" && /^\d+$/.test(l.v)
            ? l.v
            : l.t === "num" && Number.isSafeInteger(l.v) && l.v > 0
              ? String(l.v)
              : bad(a, "node", l, 'a major version like "22"');
      const packages = strList(a, "packages") ?? (a.get("packages") ? UNSET : []);
      if (node === undefined || packages === undefined) return UNSET;
      return { kind: "nix_packages", packages: [`nodejs_${node}`, ...packages] };
    },
  },
  nix_packages: {
    positional: ["packages"],
    keys: ["packages"],
    lower: (a) => {
      const packages = strList(a, "packages", true);
      return packages ? { kind: "nix_packages", packages } : UNSET;
    },
  },
  resources: {
    positional: [],
    keys: ["cpu_cores", "cpu", "memory_mb", "rootfs_size_mb"],
    lower: (a) => {
      if (a.get("cpu") && a.get("cpu_cores")) {
        a.report("E_BAD_KWARG", a.get("cpu")?.at, `${a.called}(): give cpu or cpu_cores, not both`);
        return UNSET;
      }
      const cpu = a.get("cpu") ? uint(a, "cpu") : uint(a, "cpu_cores");
      const memory = uint(a, "memory_mb");
      const rootfs = uint(a, "rootfs_size_mb");
      const given = (k: string) => a.get(k) !== undefined;
      if ((given("cpu") || given("cpu_cores")) && cpu === undefined) return UNSET;
      if ((given("memory_mb") && memory === undefined) || (given("rootfs_size_mb") && rootfs === undefined))
        return UNSET;
      return {
        ...(cpu !== undefined ? { cpu_cores: cpu } : {}),
        ...(memory !== undefined ? { memory_mb: memory } : {}),
        ...(rootfs !== undefined ? { rootfs_size_mb: rootfs } : {}),
      };
    },
  },
  network: {
    positional: [],
    keys: ["mode", "ports", "egress", "dns", "allow_https"],
    lower: (a) => {
      let ok = true;
      let mode = str(a, "mode") ?? "none";
      const modeLit = a.get("mode");
      if (modeLit && modeLit.t !== "str") ok = false;
      else if (!["none", "bridge", "host", "deny"].includes(mode)) {
        a.report(
          "E_BAD_KWARG",
          modeLit?.at ?? a.at,
          `${a.called}(): mode must be "none", "bridge", "host" or "deny", got ${JSON.stringify(mode)}`,
        );
        ok = false;
      }
      const portsLit = a.get("ports");
      let ports: Json | undefined;
      if (portsLit) {
        ports =
          portsLit.t === "arr"
            ? toPlain(portsLit, a.report, `${a.called}(): ports`)
            : bad(a, "ports", portsLit, "a list of port forwards");
        if (ports === undefined) ok = false;
      }
      const allowlist: { host: string; port: number }[] = [];
      const egressLit = a.get("egress");
      if (egressLit) {
        const items =
          egressLit.t === "helper" && egressLit.name === "egress"
            ? (egressLit.ir as { allowlist: { host: string; port: number }[] }).allowlist
            : egressLit.t === "arr"
              ? egressLit.items.map((i) => hostPortOf(a, "egress", i))
              : [bad(a, "egress", egressLit, "egress([...]) or a list of host_port(...)")];
        for (const i of items) {
          if (i === undefined) ok = false;
          else allowlist.push(i);
        }
      }
      const https = strList(a, "allow_https");
      if (a.get("allow_https") && !https) ok = false;
      for (const host of https ?? []) allowlist.push({ host, port: 443 });
      const dnsLit = a.get("dns");
      let dns: unknown;
      if (dnsLit) {
        dns =
          dnsLit.t === "obj"
            ? toPlain(dnsLit, a.report, `${a.called}(): dns`)
            : helperOf(a, "dns", dnsLit, ["dns_system", "dns_none", "dns_resolver"]);
        if (dns === undefined) ok = false;
      }
      if (!ok) return UNSET;
      const grants = egressLit !== undefined || https !== undefined;
      if (mode === "deny") mode = allowlist.length > 0 ? "bridge" : "none";
      return {
        mode,
        ...(ports !== undefined ? { ports } : {}),
        ...(grants && !(mode === "none" && allowlist.length === 0) ? { egress: { allowlist } } : {}),
        ...(dns !== undefined ? { dns } : {}),
      };
    },
  },
  egress: {
    positional: ["allowlist"],
    keys: ["allowlist"],
    lower: (a) => {
      const l = a.get("allowlist");
      if (!l) {
        a.report("E_MISSING_KWARG", a.at, `${a.called}(): allowlist is required`);
        return UNSET;
      }
      if (l.t !== "arr") return bad(a, "allowlist", l, "a list of host_port(...)");
      const items = l.items.map((i) => hostPortOf(a, "allowlist", i));
      return items.includes(undefined) ? UNSET : { allowlist: items };
    },
  },
  host_port: {
    positional: ["host", "port"],
    keys: ["host", "port"],
    lower: (a) => {
      const host = str(a, "host", true);
      const port = uint(a, "port", true);
      return host !== undefined && port !== undefined ? { host, port } : UNSET;
    },
  },
  dns_system: { positional: [], keys: [], lower: () => ({ kind: "system" }) },
  dns_none: { positional: [], keys: [], lower: () => ({ kind: "none" }) },
  dns_resolver: {
    positional: ["host", "port"],
    keys: ["host", "port"],
    lower: (a) => {
      const host = str(a, "host", true);
      const port = a.get("port") ? uint(a, "port") : 53;
      return host !== undefined && port !== undefined ? { kind: "resolver", host, port } : UNSET;
    },
  },
  literal: {
    positional: ["value"],
    keys: ["value"],
    lower: (a) => {
      const value = str(a, "value", true);
      return value !== undefined ? { kind: "literal", value } : UNSET;
    },
  },
  secret: {
    positional: ["name"],
    keys: ["name", "var", "type", "hosts"],
    lower: (a) => {
      const name = str(a, "name", true);
      const v = str(a, "var");
      const type = str(a, "type") ?? "bearer";
      const hostList = strList(a, "hosts");
      const hosts = hostList ?? [];
      const given = (k: string) => a.get(k) !== undefined;
      if (name === undefined || (given("var") && v === undefined) || (given("hosts") && !hostList))
        return UNSET;
      if (given("type") && a.get("type")?.t !== "str") return UNSET;
      // The mount var is filled in by app() from the env key when `var` is not given.
      return {
        kind: "secret_ref",
        ref: {
          name,
          mount: { kind: "env", ...(v !== undefined ? { var: v } : {}) },
          auth_type: type,
          allowed_hosts: hosts,
          sigv4: null,
        },
      };
    },
  },
  hook: {
    positional: ["cmd"],
    keys: ["cmd"],
    lower: (a) => {
      const l = a.get("cmd");
      if (!l) {
        a.report("E_MISSING_KWARG", a.at, `${a.called}(): cmd is required`);
        return UNSET;
      }
      // hook(hook(...)) is refused: hook() names one command, it does not wrap another hook.
      return lowerHookItem(a, "cmd", l, false);
    },
  },
  entrypoint_function: {
    positional: [],
    keys: ["module", "function", "primary", "language", "format"],
    lower: (a) => {
      const module = str(a, "module", true);
      const fn = str(a, "function", true);
      const primary = bool(a, "primary");
      const language = str(a, "language");
      const format = str(a, "format");
      const given = (k: string) => a.get(k) !== undefined;
      if (module === undefined || fn === undefined) return UNSET;
      if (
        (given("primary") && primary === undefined) ||
        (given("language") && language === undefined) ||
        (given("format") && format === undefined)
      )
        return UNSET;
      return {
        kind: "function",
        language: language ?? a.language,
        module,
        function: fn,
        format: format ?? "json",
        primary: primary ?? false,
      };
    },
  },
  entrypoint: {
    positional: [],
    keys: ["command", "working_dir", "env"],
    lower: (a) => {
      const command = strList(a, "command", true);
      const workingDir = str(a, "working_dir");
      const env = strMap(a, "env");
      const given = (k: string) => a.get(k) !== undefined;
      if (
        command === undefined ||
        (given("working_dir") && workingDir === undefined) ||
        (given("env") && env === undefined)
      )
        return UNSET;
      return {
        kind: "command",
        command,
        ...(workingDir !== undefined ? { working_dir: workingDir } : {}),
        ...(env ? { env } : {}),
      };
    },
  },
  python_deps: {
    positional: [],
    keys: ["lockfile", "tool"],
    lower: (a) => deps(a, "python", "uv"),
  },
  node_deps: {
    positional: [],
    keys: ["lockfile", "tool"],
    lower: (a) => deps(a, "node", "npm"),
  },
  no_deps: { positional: [], keys: [], lower: () => ({ kind: "none" }) },
  workload: {
    positional: [],
    keys: ["id"],
    lower: (a) => {
      const id = str(a, "id", true);
      return id !== undefined ? { id } : UNSET;
    },
  },
};

function deps(a: Args, kind: string, defaultTool: string): unknown {
  const lockfile = str(a, "lockfile", true);
  const tool = str(a, "tool");
  if (lockfile === undefined || (a.get("tool") && tool === undefined)) return UNSET;
  return { kind, lockfile, tool: tool ?? defaultTool };
}

/**
 * Lowers one helper call. `name` is the canonical (snake_case) name, `called` what the user wrote.
 * Arguments follow Python: positional parameters first, then at most one options object.
 */
export function lowerHelper(
  name: string,
  called: string,
  args: Lit[],
  at: At,
  language: string,
  report: Report,
): Lit {
  const spec = HELPERS[name];
  if (!spec) {
    report("E_UNKNOWN_HELPER", at, `${called}() is not an mvm helper`);
    return { t: "bad", at };
  }
  const given = new Map<string, Lit>();
  let ok = true;
  args.forEach((arg, i) => {
    const isOptions =
      arg.t === "obj" &&
      i === args.length - 1 &&
      spec.keys.some((k) => !spec.positional.slice(0, i).includes(k));
    if (isOptions && arg.t === "obj") {
      for (const p of arg.props) {
        if (!spec.keys.includes(p.key)) {
          report(
            "E_UNKNOWN_KWARG",
            p.keyAt,
            `${called}() has no option ${JSON.stringify(p.key)}`,
            spec.keys.length ? `${called}() takes ${spec.keys.join(", ")}` : `${called}() takes no options`,
          );
          ok = false;
        } else if (given.has(p.key)) {
          report("E_BAD_KWARG", p.keyAt, `${called}(): ${p.key} is given twice`);
          ok = false;
        } else given.set(p.key, p.value);
      }
    } else if (i < spec.positional.length) {
      given.set(spec.positional[i]!, arg);
    } else {
      report(
        "E_BAD_KWARG",
        arg.at,
        `${called}() takes ${spec.positional.length ? `${spec.positional.length} positional argument(s) (${spec.positional.join(", ")})` : "no positional arguments"}${spec.keys.length > spec.positional.length ? " and an options object" : ""}`,
      );
      ok = false;
    }
  });
  const a: Args = { called, at, get: (k) => given.get(k), report, language };
  const ir = spec.lower(a);
  if (!ok || ir === undefined || [...given.values()].some((l) => l.t === "bad")) return { t: "bad", at };
  return { t: "helper", name, ir, at };
}

export const APP_KEYS = [
  "name",
  "source",
  "image",
  "resources",
  "network",
  "env",
  "entrypoint",
  "entrypoints",
  "dependencies",
  "addons",
  "before_build",
  "before_start",
  "after_start",
  "before_stop",
] as const;

const HOOK_PHASES = ["before_build", "before_start", "after_start", "before_stop"] as const;

export interface AppContext {
  /** The declaring file's stem: the default entrypoint's module. */
  module: string;
  language: string;
  /** The wrapped function's name (the const it is assigned to, or the function's own name). */
  functionName?: string;
  functionAt?: At;
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
  mark(base, at);
  if (opts?.t !== "obj") {
    if (opts?.t !== "bad")
      report("E_BAD_KWARG", opts?.at ?? at, "app() takes one options object: app({ image: ..., ... })(fn)");
    return UNSET;
  }
  const a: Args = {
    called: "app",
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
        `app() has no option ${JSON.stringify(p.key)}`,
        `app() takes ${APP_KEYS.join(", ")}`,
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
    : { kind: "local_path", path: "." };

  const imageLit = a.get("image");
  if (!imageLit) {
    report(
      "E_MISSING_KWARG",
      at,
      "app(): image is required",
      "add image: python_image({...}), node_image({...}) or nix_packages([...])",
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
    if (envLit.t !== "obj")
      bad(a, "env", envLit, "an object of strings, literal(...) or secret(...)") ?? fail();
    else {
      const env: Record<string, unknown> = {};
      for (const p of envLit.props) {
        mark([...base, "env", p.key], p.value.at);
        const v = p.value;
        if (v.t === "str") env[p.key] = { kind: "literal", value: v.v };
        else if (v.t === "helper" && v.name === "literal") env[p.key] = v.ir;
        else if (v.t === "helper" && v.name === "secret") {
          const s = v.ir as { kind: string; ref: { mount: { kind: string; var?: string } } };
          env[p.key] = { ...s, ref: { ...s.ref, mount: { kind: "env", var: s.ref.mount.var ?? p.key } } };
        } else bad(a, `env.${p.key}`, v, "a string, literal(...) or secret(...)") ?? fail();
      }
      app.env = env;
    }
  }

  const single = a.get("entrypoint");
  const many = a.get("entrypoints");
  const epNames = ["entrypoint_function", "entrypoint"];
  if (single && many) {
    report("E_BAD_KWARG", many.at, "app(): give entrypoint or entrypoints, not both");
    ok = false;
  } else if (single) {
    const e = helperOf(a, "entrypoint", single, epNames);
    app.entrypoints = e !== undefined ? [e] : fail();
  } else if (many) {
    if (many.t !== "arr")
      bad(a, "entrypoints", many, "a list of entrypoint_function(...) or entrypoint(...)") ?? fail();
    else {
      app.entrypoints = many.items.map((l, i) => {
        mark([...base, "entrypoints", i], l.at);
        return helperOf(a, `entrypoints[${i}]`, l, epNames) ?? fail();
      });
    }
  } else if (ctx.functionName !== undefined) {
    app.entrypoints = [
      {
        kind: "function",
        language: ctx.language,
        module: ctx.module,
        function: ctx.functionName,
        format: "json",
        primary: true,
      },
    ];
  } else if (name === undefined) {
    // Reported by the caller as the missing name; the entrypoint would need the same name.
  } else {
    report(
      "E_MISSING_KWARG",
      at,
      "app(): entrypoint is required when the function has no name",
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

/** The props of an object literal with a repeated key kept once, with its last value (as JS does). */
function lastOfEach(props: Prop[]): Prop[] {
  const last = new Map<string, Prop>();
  for (const p of props) last.set(p.key, p);
  return props.filter((p) => last.get(p.key) === p);
}

/**
 * `addons: [{name, hooks: {phase: hooks}}]`. Each phase takes exactly what the app's own phases take
 * (lowerHooks), so one addon declaration means the same in Python and TypeScript.
 */
function lowerAddons(a: Args, l: Lit, mark: Mark): unknown[] | undefined {
  if (l.t !== "arr") return bad(a, "addons", l, "a list of objects like {name: ..., hooks: {...}}");
  let ok = true;
  const out = l.items.map((item, i) => {
    const what = `addons[${i}]`;
    mark(["addons", i], item.at);
    if (item.t !== "obj") {
      ok = false;
      return bad(a, what, item, "an object like {name: ..., hooks: {...}}");
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
          bad(a, `${what}.hooks`, p.value, "an object of hook phases");
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

/**
 * A hook phase: a string is one shell hook; a list of only strings is one argv hook; hook(...) is one
 * hook; any other list is a list of hooks, each a string (shell), a list of strings (argv) or
 * hook(...). An empty list is no hooks. The Python frontend and SDK implement the same rule.
 */
function lowerHooks(a: Args, phase: string, l: Lit): unknown[] | undefined {
  if (l.t === "str" || (l.t === "helper" && l.name === "hook")) {
    const h = lowerHookItem(a, phase, l);
    return h === undefined ? UNSET : [h];
  }
  if (l.t !== "arr") return bad(a, phase, l, "a string, a list of strings, hook(...) or a list of those");
  if (l.items.length === 0) return [];
  if (l.items.every((i) => i.t === "str")) return [lowerHookItem(a, phase, l)];
  const out = l.items.map((item, i) => lowerHookItem(a, `${phase}[${i}]`, item));
  return out.includes(undefined) ? UNSET : out;
}

/** The workload value handed to validation: id defaults to the app name. */
export function buildWorkload(
  app: Record<string, unknown>,
  workloadId: string | undefined,
): Record<string, unknown> {
  return { schema_version: "0.1", id: workloadId ?? app.name, apps: [app] };
}
