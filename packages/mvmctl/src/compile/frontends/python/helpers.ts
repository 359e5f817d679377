// The closed set of mvm helpers the static compiler understands (spec §4), each with its Python
// signature and the IR it stands for. The Python SDK has the same table (python/mvm/_signatures.py)
// and a test keeps the two in step. A call to anything else is E_UNKNOWN_HELPER.
import { APP_KEYS } from "@mvm/ir/declare";
import { type BoundArgs, bindArguments, type Signature } from "./arguments.js";
import { Checks } from "./checks.js";
import type { Context } from "./context.js";
import { type MvmBindings, resolveMvmName } from "./imports.js";
import type { PyVal } from "./literals.js";
import type { Origins } from "./origins.js";
import type { Node } from "./parser.js";

export interface HelperEnv {
  ctx: Context;
  origins: Origins;
  checks: Checks;
  bindings: MvmBindings;
  /** The declaring file's language: the default of entrypoint_function(language=). */
  language: "python";
}

interface HelperDef {
  sig: Signature;
  /** What the result is, for type checks of the keyword it is passed to. */
  kind: string;
  build(env: HelperEnv, args: BoundArgs, call: Node): { ir: unknown; data?: unknown } | undefined;
}

const sig = (
  positional: string[],
  keywordOnly: string[] = [],
  required: string[] = positional,
): Signature => ({
  positional,
  keywordOnly,
  required,
});

const PORT_KEYS = [
  "mapping_id",
  "proto",
  "host_addr",
  "host",
  "guest_addr",
  "guest",
  "transform",
  "tls_secret",
];

/** Secret arguments kept until the env key is known (the mount var defaults to it). */
export interface SecretData {
  name: string;
  nameNode: Node;
  var?: string;
  varNode?: Node;
  type: string;
  hosts: string[];
  hostsNode?: Node;
}

function val(args: BoundArgs, name: string): PyVal | undefined {
  return args.get(name)?.value;
}

/** The node of a keyword's value, else the call (so a defaulted field points at the helper). */
function at(args: BoundArgs, name: string, call: Node): Node {
  return args.get(name)?.value?.node ?? args.get(name)?.node ?? call;
}

function optional(args: BoundArgs, name: string): PyVal | undefined {
  const a = args.get(name);
  return Checks.given(a) ? a?.value : undefined;
}

function nixImage(
  env: HelperEnv,
  call: Node,
  first: string,
  firstNode: Node,
  extra: string[] | undefined,
  extraNode?: Node,
) {
  const rows: Array<[unknown, Node | undefined]> = [[first, firstNode]];
  const extraOrigins = extra && extraNode ? extra.map((_, i) => env.origins.nodeAt(extra, [i])) : [];
  (extra ?? []).forEach((p, i) => {
    rows.push([p, extraOrigins[i] ?? extraNode]);
  });
  return env.origins.object(call, [
    ["kind", "nix_packages", call],
    ["packages", env.origins.array(extraNode ?? call, rows), extraNode ?? call],
  ]);
}

export const HELPERS: Record<string, HelperDef> = {
  local_path: {
    sig: sig(["path"], ["include", "exclude"]),
    kind: "source",
    build(env, args, call) {
      const c = env.checks;
      const path = c.str("local_path", "path", val(args, "path"));
      const iv = optional(args, "include");
      const include = iv ? c.strList("local_path", "include", iv) : ["**"];
      const ev = optional(args, "exclude");
      const exclude = ev ? c.strList("local_path", "exclude", ev) : [];
      if (path === undefined || include === undefined || exclude === undefined) return undefined;
      return {
        ir: env.origins.object(call, [
          ["kind", "local_path", call],
          ["path", path, at(args, "path", call)],
          ["include", include, at(args, "include", call)],
          ["exclude", exclude, at(args, "exclude", call)],
        ]),
      };
    },
  },
  python_image: {
    sig: sig([], ["python", "packages"], []),
    kind: "image",
    build(env, args, call) {
      const v = optional(args, "python");
      const python = v ? env.checks.str("python_image", "python", v) : "3.12";
      const pv = optional(args, "packages");
      const packages = pv ? env.checks.strList("python_image", "packages", pv) : [];
      if (python === undefined || packages === undefined) return undefined;
      if (!/^\d+\.\d+$/.test(python)) {
        env.ctx.error(
          "E_BAD_KWARG",
          v?.node ?? call,
          `mvm.python_image(): python must be a version like "3.12", got ${JSON.stringify(python)}`,
        );
        return undefined;
      }
      return {
        ir: nixImage(env, call, `python${python.replace(".", "")}`, v?.node ?? call, packages, pv?.node),
      };
    },
  },
  node_image: {
    sig: sig([], ["node", "packages"], []),
    kind: "image",
    build(env, args, call) {
      const v = optional(args, "node");
      const node = v ? env.checks.str("node_image", "node", v) : "22";
      const pv = optional(args, "packages");
      const packages = pv ? env.checks.strList("node_image", "packages", pv) : [];
      if (node === undefined || packages === undefined) return undefined;
      if (!/^\d+$/.test(node)) {
        env.ctx.error(
          "E_BAD_KWARG",
          v?.node ?? call,
          `mvm.node_image(): node must be a major version like "22", got ${JSON.stringify(node)}`,
        );
        return undefined;
      }
      return { ir: nixImage(env, call, `nodejs_${node}`, v?.node ?? call, packages, pv?.node) };
    },
  },
  nix_packages: {
    sig: sig(["packages"]),
    kind: "image",
    build(env, args, call) {
      const packages = env.checks.strList("nix_packages", "packages", val(args, "packages"));
      if (packages === undefined) return undefined;
      return {
        ir: env.origins.object(call, [
          ["kind", "nix_packages", call],
          ["packages", packages, at(args, "packages", call)],
        ]),
      };
    },
  },
  resources: {
    sig: sig([], ["cpu_cores", "cpu", "memory_mb", "rootfs_size_mb"], []),
    kind: "resources",
    build(env, args, call) {
      const c = env.checks;
      if (optional(args, "cpu") && optional(args, "cpu_cores")) {
        env.ctx.error(
          "E_BAD_KWARG",
          args.get("cpu")!.node,
          "mvm.resources(): give cpu_cores or cpu, not both",
          "keep one of them",
        );
        return undefined;
      }
      const cpuKey = optional(args, "cpu") ? "cpu" : "cpu_cores";
      const defaults = { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 };
      const rows: Array<[string, unknown, Node | undefined]> = [];
      let ok = true;
      for (const [key, from] of [
        ["cpu_cores", cpuKey],
        ["memory_mb", "memory_mb"],
        ["rootfs_size_mb", "rootfs_size_mb"],
      ] as const) {
        const v = optional(args, from);
        const n = v ? c.int("resources", from, v) : defaults[key];
        if (n === undefined) ok = false;
        rows.push([key, n, at(args, from, call)]);
      }
      return ok ? { ir: env.origins.object(call, rows) } : undefined;
    },
  },
  network: {
    sig: sig([], ["mode", "ports", "egress", "dns", "allow_https"], []),
    kind: "network",
    build(env, args, call) {
      const c = env.checks;
      const modeVal = optional(args, "mode");
      const mode = modeVal ? c.oneOf("network", "mode", modeVal, ["none", "bridge", "host", "deny"]) : "none";
      const portsVal = optional(args, "ports");
      const ports = portsVal ? portForwards(env, portsVal) : env.origins.array(call, []);
      const egressVal = optional(args, "egress");
      // egress= takes mvm.egress([...]) or, as the TypeScript SDK does, a plain list of host_port(...).
      const egress =
        egressVal?.t === "list"
          ? callEgressList(env, egressVal, call)
          : egressVal
            ? c.helper(
                "network",
                "egress",
                egressVal,
                ["egress"],
                "mvm.egress([...]) or a list of mvm.host_port(...)",
              )
            : undefined;
      const httpsVal = optional(args, "allow_https");
      const https = httpsVal ? c.strList("network", "allow_https", httpsVal) : [];
      const dnsVal = optional(args, "dns");
      const dns = dnsVal
        ? c.helper(
            "network",
            "dns",
            dnsVal,
            ["dns"],
            "mvm.dns_system(), mvm.dns_none() or mvm.dns_resolver(...)",
          )
        : undefined;
      if (
        mode === undefined ||
        ports === undefined ||
        https === undefined ||
        (egressVal && !egress) ||
        (dnsVal && !dns)
      )
        return undefined;
      const allow: Array<[unknown, Node | undefined]> = [];
      if (egress) {
        const list = (egress.ir as { allowlist: unknown[] }).allowlist;
        list.forEach((g, i) => {
          allow.push([g, env.origins.nodeAt(egress.ir, ["allowlist", i])]);
        });
      }
      https.forEach((h, i) => {
        const n = env.origins.nodeAt(https, [i]) ?? httpsVal!.node;
        allow.push([
          env.origins.object(n, [
            ["host", h, n],
            ["port", 443, n],
          ]),
          n,
        ]);
      });
      const egressNode = egressVal?.node ?? httpsVal?.node ?? call;
      const hasEgress = egress !== undefined || https.length > 0;
      let finalMode = mode;
      let keepEgress = hasEgress;
      if (mode === "deny") {
        // Closed unless the declaration names grants; then a bridge limited to exactly those.
        finalMode = allow.length > 0 ? "bridge" : "none";
        keepEgress = allow.length > 0;
      }
      const rows: Array<[string, unknown, Node | undefined]> = [
        ["mode", finalMode, modeVal?.node ?? call],
        ["ports", ports, portsVal?.node ?? call],
      ];
      if (keepEgress) {
        const allowlist = env.origins.array(egressNode, allow);
        rows.push([
          "egress",
          env.origins.object(egressNode, [["allowlist", allowlist, egressNode]]),
          egressNode,
        ]);
      }
      if (dns) rows.push(["dns", dns.ir, dns.node]);
      return { ir: env.origins.object(call, rows) };
    },
  },
  egress: {
    sig: sig(["allowlist"]),
    kind: "egress",
    build(env, args, call) {
      const v = val(args, "allowlist");
      if (!v) return undefined;
      const h = egressFromList(env, "egress", "allowlist", v, call);
      return h ? { ir: h } : undefined;
    },
  },
  host_port: {
    sig: sig(["host", "port"]),
    kind: "host_port",
    build(env, args, call) {
      const host = env.checks.str("host_port", "host", val(args, "host"));
      const port = env.checks.int("host_port", "port", val(args, "port"));
      if (host === undefined || port === undefined) return undefined;
      return {
        ir: env.origins.object(call, [
          ["host", host, at(args, "host", call)],
          ["port", port, at(args, "port", call)],
        ]),
      };
    },
  },
  dns_system: {
    sig: sig([]),
    kind: "dns",
    build: (env, _args, call) => ({ ir: env.origins.object(call, [["kind", "system", call]]) }),
  },
  dns_none: {
    sig: sig([]),
    kind: "dns",
    build: (env, _args, call) => ({ ir: env.origins.object(call, [["kind", "none", call]]) }),
  },
  dns_resolver: {
    sig: sig(["host", "port"], [], ["host"]),
    kind: "dns",
    build(env, args, call) {
      const host = env.checks.str("dns_resolver", "host", val(args, "host"));
      const pv = optional(args, "port");
      const port = pv ? env.checks.int("dns_resolver", "port", pv) : 53;
      if (host === undefined || port === undefined) return undefined;
      return {
        ir: env.origins.object(call, [
          ["kind", "resolver", call],
          ["host", host, at(args, "host", call)],
          ["port", port, at(args, "port", call)],
        ]),
      };
    },
  },
  literal: {
    sig: sig(["value"]),
    kind: "env_value",
    build(env, args, call) {
      const value = env.checks.str("literal", "value", val(args, "value"));
      if (value === undefined) return undefined;
      return {
        ir: env.origins.object(call, [
          ["kind", "literal", call],
          ["value", value, at(args, "value", call)],
        ]),
      };
    },
  },
  secret: {
    sig: sig(["name"], ["var", "type", "hosts"]),
    kind: "env_value",
    build(env, args, call) {
      const c = env.checks;
      const name = c.nonEmptyStr("secret", "name", val(args, "name"));
      const varVal = optional(args, "var");
      const v = varVal ? c.nonEmptyStr("secret", "var", varVal) : undefined;
      const typeVal = optional(args, "type");
      const type = typeVal
        ? c.oneOf("secret", "type", typeVal, ["bearer", "basic", "hmac", "sigv4"])
        : "bearer";
      const hostsVal = optional(args, "hosts");
      const hosts = hostsVal ? c.strList("secret", "hosts", hostsVal) : [];
      if (name === undefined || type === undefined || hosts === undefined || (varVal && v === undefined))
        return undefined;
      const data: SecretData = {
        name,
        nameNode: at(args, "name", call),
        type,
        hosts,
        ...(v !== undefined ? { var: v, varNode: varVal!.node } : {}),
        ...(hostsVal ? { hostsNode: hostsVal.node } : {}),
      };
      return { ir: undefined, data };
    },
  },
  hook: {
    sig: sig(["cmd"]),
    kind: "hook",
    build(env, args, call) {
      const v = val(args, "cmd");
      if (!v) return undefined;
      // mvm.hook(mvm.hook(...)) is refused: hook() names one command, it does not wrap another hook.
      const ir = hookCmd(env, "hook", "cmd", v, call, false);
      return ir ? { ir } : undefined;
    },
  },
  entrypoint_function: {
    sig: sig([], ["module", "function", "primary", "language", "format"], ["module", "function"]),
    kind: "entrypoint",
    build(env, args, call) {
      const c = env.checks;
      const module = c.nonEmptyStr("entrypoint_function", "module", val(args, "module"));
      const fn = c.nonEmptyStr("entrypoint_function", "function", val(args, "function"));
      const pv = optional(args, "primary");
      const primary = pv ? c.bool("entrypoint_function", "primary", pv) : false;
      const lv = optional(args, "language");
      const language = lv ? c.str("entrypoint_function", "language", lv) : env.language;
      const fv = optional(args, "format");
      const format = fv ? c.oneOf("entrypoint_function", "format", fv, ["json", "msgpack"]) : "json";
      if ([module, fn, primary, language, format].includes(undefined)) return undefined;
      return {
        ir: env.origins.object(call, [
          ["kind", "function", call],
          ["language", language, at(args, "language", call)],
          ["module", module, at(args, "module", call)],
          ["function", fn, at(args, "function", call)],
          ["format", format, at(args, "format", call)],
          ["working_dir", "/app", call],
          ["env", env.origins.object(call, []), call],
          ["primary", primary, at(args, "primary", call)],
        ]),
      };
    },
  },
  entrypoint: {
    sig: sig([], ["command", "working_dir", "env"], ["command"]),
    kind: "entrypoint",
    build(env, args, call) {
      const c = env.checks;
      const command = c.strList("entrypoint", "command", val(args, "command"));
      const wv = optional(args, "working_dir");
      const workingDir = wv ? c.nonEmptyStr("entrypoint", "working_dir", wv) : "/app";
      const ev = optional(args, "env");
      const e = ev ? c.strMap("entrypoint", "env", ev) : env.origins.object(call, []);
      if (command === undefined || workingDir === undefined || e === undefined) return undefined;
      return {
        ir: env.origins.object(call, [
          ["kind", "command", call],
          ["command", command, at(args, "command", call)],
          ["working_dir", workingDir, at(args, "working_dir", call)],
          ["env", e, at(args, "env", call)],
        ]),
      };
    },
  },
  python_deps: {
    sig: sig([], ["lockfile", "tool"], ["lockfile"]),
    kind: "dependencies",
    build: (env, args, call) => deps(env, args, call, "python_deps", "python", ["uv", "pip_tools"]),
  },
  node_deps: {
    sig: sig([], ["lockfile", "tool"], ["lockfile"]),
    kind: "dependencies",
    build: (env, args, call) => deps(env, args, call, "node_deps", "node", ["npm", "pnpm", "yarn"]),
  },
  no_deps: {
    sig: sig([]),
    kind: "dependencies",
    build: (env, _args, call) => ({ ir: env.origins.object(call, [["kind", "none", call]]) }),
  },
};

/** Signatures of the declaration entry points (not helpers: they are not values). */
// The same keywords as the TypeScript declaration core: one list for both languages.
export const APP_KEYWORDS = APP_KEYS;
export const APP_SIGNATURE: Signature = sig([], [...APP_KEYWORDS], ["image"]);
export const WORKLOAD_SIGNATURE: Signature = sig([], ["id"], ["id"]);

function deps(env: HelperEnv, args: BoundArgs, call: Node, helper: string, kind: string, tools: string[]) {
  const lockfile = env.checks.nonEmptyStr(helper, "lockfile", val(args, "lockfile"));
  const tv = optional(args, "tool");
  const tool = tv ? env.checks.oneOf(helper, "tool", tv, tools) : tools[0];
  if (lockfile === undefined || tool === undefined) return undefined;
  return {
    ir: env.origins.object(call, [
      ["kind", kind, call],
      ["lockfile", lockfile, at(args, "lockfile", call)],
      ["tool", tool, at(args, "tool", call)],
    ]),
  };
}

/**
 * One HookCmd: a string is a shell line, a list of strings an argv, mvm.hook(...) itself (unless
 * `allowHook` is false: mvm.hook(mvm.hook(...)) is refused).
 */
export function hookCmd(
  env: HelperEnv,
  helper: string,
  what: string,
  v: PyVal,
  origin: Node,
  allowHook = true,
): unknown {
  if (allowHook && v.t === "helper" && v.kind === "hook") return v.ir;
  if (v.t === "str") {
    const line = env.checks.nonEmptyStr(helper, what, v);
    return line === undefined
      ? undefined
      : env.origins.object(origin, [
          ["kind", "shell", v.node],
          ["line", line, v.node],
        ]);
  }
  if (v.t === "list") {
    if (v.items.length === 0) {
      env.ctx.error("E_BAD_KWARG", v.node, `mvm.${helper}(): ${what} must not be an empty list`);
      return undefined;
    }
    const argv = env.checks.strList(helper, what, v);
    return (
      argv &&
      env.origins.object(origin, [
        ["kind", "argv", v.node],
        ["argv", argv, v.node],
      ])
    );
  }
  return env.checks.bad(
    helper,
    what,
    allowHook
      ? "a string, a list of strings or mvm.hook(...)"
      : "a string (shell line) or a list of strings (argv)",
    v,
  );
}

/**
 * A hook phase's value, the rule of the declaration core (@mvm/ir/declare, lowerHooks): a string is
 * one shell hook, a list of only strings one argv hook, mvm.hook(...) one hook; any other list is a
 * list of hooks (each string in it a shell hook, each list an argv hook); [] is no hooks.
 */
export function hookList(env: HelperEnv, helper: string, what: string, v: PyVal): unknown[] | undefined {
  if (v.t === "list" && v.items.length === 0) return env.origins.array(v.node, []);
  if (v.t === "list" && v.items.some((i) => i.t !== "str")) {
    const rows: Array<[unknown, Node | undefined]> = [];
    let ok = true;
    v.items.forEach((item, i) => {
      const cmd = hookCmd(env, helper, `${what}[${i}]`, item, item.node);
      if (cmd === undefined) ok = false;
      else rows.push([cmd, item.node]);
    });
    return ok ? env.origins.array(v.node, rows) : undefined;
  }
  if (v.t !== "str" && v.t !== "list" && !(v.t === "helper" && v.kind === "hook")) {
    return env.checks.bad(helper, what, "a string, a list of strings, mvm.hook(...) or a list of those", v);
  }
  const cmd = hookCmd(env, helper, what, v, v.node);
  return cmd === undefined ? undefined : env.origins.array(v.node, [[cmd, v.node]]);
}

/** An egress allowlist from a list of host_port(...) results. */
function egressFromList(env: HelperEnv, helper: string, what: string, v: PyVal, call: Node): unknown {
  if (v.t !== "list") return env.checks.bad(helper, what, "a list of mvm.host_port(...)", v);
  const rows: Array<[unknown, Node | undefined]> = [];
  let ok = true;
  v.items.forEach((item, i) => {
    const h = env.checks.helper(helper, `${what}[${i}]`, item, ["host_port"], "mvm.host_port(...)");
    if (h) rows.push([h.ir, h.node]);
    else ok = false;
  });
  if (!ok) return undefined;
  return env.origins.object(call, [["allowlist", env.origins.array(v.node, rows), v.node]]);
}

function callEgressList(env: HelperEnv, v: PyVal, call: Node): { ir: unknown; node: Node } | undefined {
  const ir = egressFromList(env, "network", "egress", v, call);
  return ir ? { ir, node: v.node } : undefined;
}

function portForwards(env: HelperEnv, v: PyVal): unknown[] | undefined {
  if (v.t !== "list") return env.checks.bad("network", "ports", "a list of dicts", v);
  const rows: Array<[unknown, Node | undefined]> = [];
  let ok = true;
  v.items.forEach((item, i) => {
    const what = `ports[${i}]`;
    if (item.t !== "dict") {
      env.checks.bad("network", what, "a dict", item);
      ok = false;
      return;
    }
    const fields = new Map(item.entries.map((e) => [e.key, e]));
    for (const e of item.entries) {
      if (!PORT_KEYS.includes(e.key)) {
        env.ctx.error(
          "E_UNKNOWN_KWARG",
          e.keyNode,
          `mvm.network(): ${what} has no key "${e.key}"; it takes ${PORT_KEYS.join(", ")}`,
        );
        ok = false;
      }
    }
    for (const req of ["mapping_id", "host", "guest"]) {
      if (!fields.has(req)) {
        env.ctx.error("E_MISSING_KWARG", item.node, `mvm.network(): ${what} needs "${req}"`);
        ok = false;
      }
    }
    const c = env.checks;
    const get = (k: string) => fields.get(k)?.value;
    const out: Array<[string, unknown, Node | undefined]> = [];
    const put = (k: string, value: unknown) => {
      if (value === undefined) ok = false;
      out.push([k, value, fields.get(k)?.value.node ?? item.node]);
    };
    if (fields.has("mapping_id"))
      put("mapping_id", c.str("network", `${what}.mapping_id`, get("mapping_id")));
    put(
      "proto",
      fields.has("proto") ? c.oneOf("network", `${what}.proto`, get("proto"), ["tcp", "udp"]) : "tcp",
    );
    put(
      "host_addr",
      fields.has("host_addr") ? c.str("network", `${what}.host_addr`, get("host_addr")) : "127.0.0.1",
    );
    if (fields.has("host")) put("host", c.int("network", `${what}.host`, get("host")));
    put(
      "guest_addr",
      fields.has("guest_addr") ? c.str("network", `${what}.guest_addr`, get("guest_addr")) : "127.0.0.1",
    );
    if (fields.has("guest")) put("guest", c.int("network", `${what}.guest`, get("guest")));
    put(
      "transform",
      fields.has("transform")
        ? c.oneOf("network", `${what}.transform`, get("transform"), ["opaque", "http", "tls"])
        : "opaque",
    );
    if (fields.has("tls_secret"))
      put("tls_secret", c.str("network", `${what}.tls_secret`, get("tls_secret")));
    rows.push([env.origins.object(item.node, out), item.node]);
  });
  return ok ? env.origins.array(v.node, rows) : undefined;
}

/** Evaluates a call in value position: an mvm helper, or E_UNKNOWN_HELPER. */
export function callHelper(env: HelperEnv, call: Node): PyVal | undefined {
  const callee = call.childForFieldName("function");
  const name = callee ? resolveMvmName(callee, env.bindings) : undefined;
  const def = name ? HELPERS[name] : undefined;
  if (!callee || !name || !def) {
    const what = name ? `mvm.${name}` : (callee?.text ?? "this");
    env.ctx.error(
      "E_UNKNOWN_HELPER",
      call,
      `${what}(...) is not an mvm helper`,
      `use one of the mvm helpers: ${Object.keys(HELPERS).join(", ")}`,
    );
    // Still read the arguments so that problems inside them are reported too.
    for (const a of call.childForFieldName("arguments")?.namedChildren ?? []) {
      if (!a) continue;
      const valueNode = a.type === "keyword_argument" ? a.childForFieldName("value") : a;
      if (
        valueNode &&
        (valueNode.type === "call" || valueNode.type === "list" || valueNode.type === "dictionary")
      ) {
        evaluateQuietly(env, valueNode);
      }
    }
    return undefined;
  }
  const { args, ok } = bindArguments(env.ctx, name, def.sig, call, (n) => callHelper(env, n));
  const built = def.build(env, args, call);
  if (!built || !ok) return undefined;
  return { t: "helper", helper: name, kind: def.kind, ir: built.ir, data: built.data, node: call };
}

function evaluateQuietly(env: HelperEnv, node: Node): void {
  if (node.type === "call") callHelper(env, node);
}
