// The mvm helpers: each lowers its bound arguments to an IR fragment. Signatures, enums and
// defaults are data in ./tables.ts; binding is ./bind.ts. Defaults the IR schema fills in are left
// out here (validation adds them), so both languages give the same IR bytes.
import { bindCall, splitOptions } from "./bind.js";
import { lowerHookItem } from "./hooks.js";
import { recordOrigin } from "./origins.js";
import { DEFAULTS, ENUMS, HELPER_SIGNATURES, PORT_KEYS, PORT_REQUIRED } from "./tables.js";
import {
  type Args,
  type At,
  bad,
  bool,
  helperOf,
  intOf,
  type Json,
  type Language,
  type Lit,
  lastOfEach,
  oneOf,
  type Prop,
  type Report,
  str,
  strList,
  strMap,
  strOf,
  toPlain,
  UNSET,
  uint,
  words,
} from "./values.js";

type Lower = (a: Args) => unknown;

/** `localPath` -> `local_path`; undefined when the name is not an mvm helper. */
export function helperName(name: string): string | undefined {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return Object.hasOwn(LOWER, snake) || snake === "app" ? snake : undefined;
}

/** Every helper name a script may call (for hints and the SDK's exports). */
export function helperNames(): string[] {
  return Object.keys(LOWER);
}

const given = (a: Args, k: string) => a.get(k) !== undefined;

/** An image's package list: the interpreter package first, then `packages`. */
function image(a: Args, first: string | undefined): unknown {
  const packages = strList(a, "packages") ?? (given(a, "packages") ? UNSET : []);
  if (first === undefined || packages === undefined) return UNSET;
  return { kind: "nix_packages", packages: [first, ...packages] };
}

function hostPortOf(a: Args, key: string, l: Lit): { host: string; port: number } | undefined {
  if (l.t === "helper" && l.name === "host_port") return l.ir as { host: string; port: number };
  if (l.t === "obj")
    return toPlain(l, a.report, `${a.called}()`) as { host: string; port: number } | undefined;
  return bad(a, key, l, words(a.language).helper("host_port"));
}

/** network(ports=[...]): literal port forwards, checked key by key. */
function portForwards(a: Args, l: Lit): Json[] | undefined {
  const obj = words(a.language).obj;
  if (l.t !== "arr") return bad(a, "ports", l, `a list of ${obj}s`);
  let ok = true;
  const out = l.items.map((item, i) => {
    const what = `ports[${i}]`;
    if (item.t !== "obj") {
      ok = false;
      return bad(a, what, item, obj);
    }
    const props = lastOfEach(item.props);
    const fields = new Map(props.map((p) => [p.key, p.value]));
    for (const p of props) {
      if (!(PORT_KEYS as readonly string[]).includes(p.key)) {
        a.report(
          "E_UNKNOWN_KWARG",
          p.keyAt,
          `${a.called}(): ${what} has no key ${JSON.stringify(p.key)}`,
          `a port forward takes ${PORT_KEYS.join(", ")}`,
        );
        ok = false;
      }
    }
    for (const req of PORT_REQUIRED) {
      if (!fields.has(req)) {
        a.report("E_MISSING_KWARG", item.at, `${a.called}(): ${what} needs ${JSON.stringify(req)}`);
        ok = false;
      }
    }
    const f: Record<string, Json> = {};
    const put = (k: string, check: (l: Lit) => Json | undefined) => {
      const v = fields.get(k);
      if (!v) return;
      const out = check(v);
      if (out === undefined) ok = false;
      else f[k] = out;
    };
    const s = (k: string) => (l: Lit) => strOf(a, `${what}.${k}`, l);
    put("mapping_id", s("mapping_id"));
    put("proto", (l) => oneOf(a, `${what}.proto`, ENUMS.port_proto, l));
    put("host_addr", s("host_addr"));
    put("host", (l) => intOf(a, `${what}.host`, l));
    put("guest_addr", s("guest_addr"));
    put("guest", (l) => intOf(a, `${what}.guest`, l));
    put("transform", (l) => oneOf(a, `${what}.transform`, ENUMS.port_transform, l));
    put("tls_secret", s("tls_secret"));
    return recordOrigin(
      f,
      item.at,
      [...fields].map(([k, v]) => [k, v.at] as [string, At]),
    );
  });
  return ok
    ? recordOrigin(
        out as Json[],
        l.at,
        l.items.map((item, i) => [i, item.at] as [number, At]),
      )
    : UNSET;
}

function network(a: Args): unknown {
  let ok = true;
  let mode: string | undefined = DEFAULTS.network_mode;
  if (given(a, "mode")) {
    mode = oneOf(a, "mode", ENUMS.network_mode);
    if (mode === undefined) ok = false;
  }
  const portsLit = a.get("ports");
  const ports = portsLit ? portForwards(a, portsLit) : UNSET;
  if (portsLit && ports === undefined) ok = false;
  const allowlist: { host: string; port: number }[] = [];
  const egressLit = a.get("egress");
  if (egressLit && !grantList(a, "egress", egressLit, allowlist)) ok = false;
  // Build-time egress (the builder VM's proxy): its own allowlist, independent of `mode`.
  const buildLit = a.get("build_egress");
  const buildList: { host: string; port: number }[] = [];
  if (buildLit && !grantList(a, "build_egress", buildLit, buildList)) ok = false;
  const httpsLit = a.get("allow_https");
  const https = strList(a, "allow_https");
  if (httpsLit && !https) ok = false;
  (https ?? []).forEach((host, i) => {
    const item = httpsLit?.t === "arr" ? httpsLit.items[i] : undefined;
    const grant = { host, port: DEFAULTS.https_port };
    allowlist.push(recordOrigin(grant, item?.at, [["host", item?.at]]));
  });
  const dnsLit = a.get("dns");
  let dns: unknown;
  if (dnsLit) {
    dns =
      dnsLit.t === "obj"
        ? toPlain(dnsLit, a.report, `${a.called}(): dns`)
        : helperOf(a, "dns", dnsLit, ["dns_system", "dns_none", "dns_resolver"]);
    if (dns === undefined) ok = false;
  }
  if (!ok || mode === undefined) return UNSET;
  const grants = egressLit !== undefined || https !== undefined;
  // "deny" is closed unless the declaration names grants; then a bridge limited to exactly those.
  if (mode === "deny") mode = allowlist.length > 0 ? "bridge" : "none";
  const egress = grants && !(mode === "none" && allowlist.length === 0) ? { allowlist } : UNSET;
  if (egress) recordOrigin(egress, (egressLit ?? httpsLit)?.at, []);
  if (egress)
    recordOrigin(
      allowlist,
      (egressLit ?? httpsLit)?.at,
      allowlist.map((g, i) => [i, originOfGrant(g)]),
    );
  // An empty build allowlist grants nothing: the builder keeps no NIC, so it is left out.
  const buildEgress = buildList.length > 0 ? { allowlist: buildList } : UNSET;
  if (buildEgress) {
    recordOrigin(buildEgress, buildLit?.at, []);
    recordOrigin(
      buildList,
      buildLit?.at,
      buildList.map((g, i) => [i, originOfGrant(g)]),
    );
  }
  return {
    mode,
    ...(ports !== undefined ? { ports } : {}),
    ...(egress ? { egress } : {}),
    ...(buildEgress ? { build_egress: buildEgress } : {}),
    ...(dns !== undefined ? { dns } : {}),
  };
}

/** `egress(...)` or a list of host_port / {host, port}: appended to `into`; false when invalid. */
function grantList(a: Args, key: string, l: Lit, into: { host: string; port: number }[]): boolean {
  const items =
    l.t === "helper" && l.name === "egress"
      ? (l.ir as { allowlist: { host: string; port: number }[] }).allowlist
      : l.t === "arr"
        ? l.items.map((i) => hostPortOf(a, key, i))
        : [
            bad(
              a,
              key,
              l,
              `${words(a.language).helper("egress")} or a list of ${words(a.language).helper("host_port")}`,
            ),
          ];
  let ok = true;
  for (const i of items) {
    if (i === undefined) ok = false;
    else into.push(i);
  }
  return ok;
}

/** A grant's own place when it has one (a host_port(...) call, an allow_https string). */
const grantAt = new WeakMap<object, At>();
function originOfGrant(g: object): At {
  return grantAt.get(g);
}

function deps(a: Args, kind: string, tools: readonly string[]): unknown {
  const lockfile = str(a, "lockfile", true);
  const tool = oneOf(a, "tool", tools);
  if (lockfile === undefined || (given(a, "tool") && tool === undefined)) return UNSET;
  return { kind, lockfile, tool: tool ?? tools[0] };
}

const LOWER: Record<string, Lower> = {
  local_path: (a) => {
    const path = str(a, "path");
    const include = strList(a, "include");
    const exclude = strList(a, "exclude");
    if (path === undefined || (given(a, "include") && !include) || (given(a, "exclude") && !exclude))
      return UNSET;
    return { kind: "local_path", path, ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
  },
  python_image: (a) => {
    const l = a.get("python");
    const python = l ? strOf(a, "python", l) : DEFAULTS.python_version;
    const m = python === undefined ? null : /^(\d+)\.(\d+)$/.exec(python);
    if (python !== undefined && !m)
      a.report(
        "E_BAD_KWARG",
        l?.at ?? a.at,
        `${a.called}(): python must be a version like "3.12", got ${JSON.stringify(python)}`,
      );
    return image(a, m ? `python${m[1]}${m[2]}` : UNSET);
  },
  node_image: (a) => {
    const l = a.get("node");
    let node: string | undefined = DEFAULTS.node_version;
    if (l)
      node =
        l.t === "str" && /^\d+$/.test(l.v)
          ? l.v
          : l.t === "num" && !l.float && Number.isSafeInteger(l.v) && l.v > 0
            ? String(l.v)
            : bad(a, "node", l, 'a major version like "22"');
    return image(a, node === undefined ? UNSET : `nodejs_${node}`);
  },
  nix_packages: (a) => {
    const packages = strList(a, "packages");
    return packages ? { kind: "nix_packages", packages } : UNSET;
  },
  resources: (a) => {
    if (given(a, "cpu") && given(a, "cpu_cores")) {
      a.report(
        "E_BAD_KWARG",
        a.get("cpu")?.at,
        `${a.called}(): give cpu or cpu_cores, not both`,
        "keep one of them",
      );
      return UNSET;
    }
    const cpuKey = given(a, "cpu") ? "cpu" : "cpu_cores";
    const out: Record<string, number> = {};
    let ok = true;
    for (const [key, from] of [
      ["cpu_cores", cpuKey],
      ["memory_mb", "memory_mb"],
      ["rootfs_size_mb", "rootfs_size_mb"],
    ] as const) {
      if (!given(a, from)) continue;
      const n = uint(a, from);
      if (n === undefined) ok = false;
      else out[key] = n;
    }
    return ok ? recordOrigin(out, a.at, [["cpu_cores", a.get(cpuKey)?.at]]) : UNSET;
  },
  network,
  egress: (a) => {
    const l = a.get("allowlist");
    if (!l) return UNSET;
    if (l.t !== "arr") return bad(a, "allowlist", l, `a list of ${words(a.language).helper("host_port")}`);
    const items = l.items.map((item, i) => hostPortOf(a, `allowlist[${i}]`, item));
    return items.includes(undefined) ? UNSET : { allowlist: items };
  },
  host_port: (a) => {
    const host = str(a, "host");
    const port = uint(a, "port");
    return host !== undefined && port !== undefined ? { host, port } : UNSET;
  },
  dns_system: () => ({ kind: "system" }),
  dns_none: () => ({ kind: "none" }),
  dns_resolver: (a) => {
    const host = str(a, "host");
    const port = given(a, "port") ? uint(a, "port") : DEFAULTS.dns_port;
    return host !== undefined && port !== undefined ? { kind: "resolver", host, port } : UNSET;
  },
  literal: (a) => {
    const value = str(a, "value");
    return value !== undefined ? { kind: "literal", value } : UNSET;
  },
  secret: (a) => {
    const name = str(a, "name", true);
    const v = str(a, "var", true);
    const type = given(a, "type") ? oneOf(a, "type", ENUMS.secret_type) : DEFAULTS.secret_type;
    const hosts = strList(a, "hosts");
    if (name === undefined || type === undefined || (given(a, "var") && v === undefined)) return UNSET;
    if (given(a, "hosts") && !hosts) return UNSET;
    // The mount var is filled in by app() from the env key when `var` is not given.
    const ref = {
      name,
      mount: recordOrigin({ kind: "env", ...(v !== undefined ? { var: v } : {}) }, a.get("var")?.at),
      auth_type: type,
      allowed_hosts: hosts ?? [],
      sigv4: null,
    };
    const at = (k: string) => a.get(k)?.at;
    recordOrigin(ref, a.at, [
      ["name", at("name")],
      ["mount", at("var")],
      ["auth_type", at("type")],
      ["allowed_hosts", at("hosts")],
    ]);
    return recordOrigin({ kind: "secret_ref", ref }, a.at, [["ref", a.at]]);
  },
  hook: (a) => {
    const l = a.get("cmd");
    // hook(hook(...)) is refused: hook() names one command, it does not wrap another hook.
    return l ? lowerHookItem(a, "cmd", l, false) : UNSET;
  },
  entrypoint_function: (a) => {
    const module = str(a, "module", true);
    const fn = str(a, "function", true);
    const primary = bool(a, "primary");
    const language = str(a, "language");
    const format = oneOf(a, "format", ENUMS.entrypoint_format);
    if (module === undefined || fn === undefined) return UNSET;
    if (
      (given(a, "primary") && primary === undefined) ||
      (given(a, "language") && language === undefined) ||
      (given(a, "format") && format === undefined)
    )
      return UNSET;
    return {
      kind: "function",
      language: language ?? a.language,
      module,
      function: fn,
      format: format ?? DEFAULTS.entrypoint.format,
      primary: primary ?? DEFAULTS.entrypoint.primary,
    };
  },
  entrypoint: (a) => {
    const command = strList(a, "command");
    const workingDir = str(a, "working_dir", true);
    const env = strMap(a, "env");
    if (
      command === undefined ||
      (given(a, "working_dir") && workingDir === undefined) ||
      (given(a, "env") && !env)
    )
      return UNSET;
    return {
      kind: "command",
      command,
      ...(workingDir !== undefined ? { working_dir: workingDir } : {}),
      ...(env ? { env } : {}),
    };
  },
  python_deps: (a) => deps(a, "python", ENUMS.python_deps_tool),
  node_deps: (a) => deps(a, "node", ENUMS.node_deps_tool),
  no_deps: () => ({ kind: "none" }),
  workload: (a) => {
    const id = str(a, "id");
    return id !== undefined ? { id } : UNSET;
  },
};

/**
 * Lowers one helper call given as positional arguments and keywords (Python's form; TypeScript's
 * options object is split into keywords by lowerHelper). `name` is the canonical snake_case name,
 * `called` what the user wrote, for messages.
 */
export function lowerCall(
  name: string,
  called: string,
  positional: Lit[],
  keywords: Prop[],
  at: At,
  language: Language,
  report: Report,
): Lit {
  const lower = LOWER[name];
  const sig = HELPER_SIGNATURES[name];
  if (!lower || !sig) {
    report("E_UNKNOWN_HELPER", at, `${called}() is not an mvm helper`);
    return { t: "bad", at };
  }
  const { given: args, ok } = bindCall(sig, called, positional, keywords, at, language, report);
  const a: Args = { called, at, get: (k) => args.get(k), report, language };
  const ir = lower(a);
  if (!ok || ir === undefined || [...args.values()].some((l) => l.t === "bad")) return { t: "bad", at };
  recordOrigin(
    ir,
    at,
    [...args].map(([k, l]) => [k, l.at] as [string, At]),
  );
  if (name === "host_port") grantAt.set(ir as object, at);
  return { t: "helper", name, ir, at };
}

/**
 * Lowers one helper call in TypeScript's form: positional parameters first, then at most one
 * options object.
 */
export function lowerHelper(
  name: string,
  called: string,
  args: Lit[],
  at: At,
  language: Language,
  report: Report,
): Lit {
  const sig = HELPER_SIGNATURES[name];
  if (!sig) return lowerCall(name, called, args, [], at, language, report);
  const { positional, keywords } = splitOptions(sig, args);
  return lowerCall(name, called, positional, keywords, at, language, report);
}
