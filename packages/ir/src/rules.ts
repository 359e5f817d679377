// IR rules that relate fields to each other (spec §3). The zod schema checks shapes; these run on a
// value that already has the right shape and report every problem, not only the first.

import { RESOURCE_LIMITS } from "./declare/tables.js";
import { egressHostDiagnostics } from "./egress-policy.js";
import { type Diagnostic, diagnostic } from "./errors.js";
import { formatPath, type PathSegment } from "./path.js";
import type { App, Entrypoint, Network, Workload } from "./schema.js";

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish", "pwsh"]);
const LANGUAGES = new Set(["python", "node"]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export { RESOURCE_LIMITS };

/** True when a host grant is a wildcard: *, 0.0.0.0, ::, anything/0, or empty. */
export function isWildcardHost(host: string): boolean {
  const h = host.trim();
  return h === "" || h.includes("*") || h === "0.0.0.0" || h === "::" || h === "[::]" || /\/0$/.test(h);
}

/** argv[0] after looking through env/busybox wrappers, as a basename. */
export function effectiveProgram(argv: readonly string[]): string | undefined {
  let i = 0;
  for (;;) {
    const arg = argv[i];
    if (arg === undefined) return undefined;
    const base = arg.split("/").pop() ?? arg;
    if (base === "env") {
      i++;
      // env's own options and NAME=value assignments come before the program. -u/-C take a value
      // in the next argument; -S splits its value into words that come first.
      for (let a = argv[i]; a !== undefined; a = argv[i]) {
        if (a === "-u" || a === "--unset" || a === "-C" || a === "--chdir") i += 2;
        else if (a === "-S" || a === "--split-string") {
          const words = (argv[i + 1] ?? "").split(/\s+/).filter(Boolean);
          return effectiveProgram(["env", ...words, ...argv.slice(i + 2)]);
        } else if (a.startsWith("-S") && !a.startsWith("--")) {
          return effectiveProgram(["env", ...a.slice(2).split(/\s+/).filter(Boolean), ...argv.slice(i + 1)]);
        } else if (a === "--") {
          i++;
          break;
        } else if (a.startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) i++;
        else break;
      }
      continue;
    }
    if (base === "busybox") {
      i++;
      continue;
    }
    return base;
  }
}

function checkPort(port: number, path: PathSegment[], out: Diagnostic[]): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    out.push(diagnostic("E_NETWORK_INVALID_PORT", formatPath(path), `port ${port} is outside 1-65535`));
  }
}

function checkNetwork(n: Network, base: PathSegment[], app: App, out: Diagnostic[]): void {
  if (n.mode === "none") {
    if (n.ports.length > 0) {
      out.push(
        diagnostic(
          "E_NETWORK_PORTS_WITH_NONE",
          formatPath([...base, "ports"]),
          'mode "none" has no ports to forward',
        ),
      );
    }
    if (n.egress && n.egress.allowlist.length > 0) {
      out.push(
        diagnostic(
          "E_NETWORK_PORTS_WITH_NONE",
          formatPath([...base, "egress"]),
          'mode "none" allows no egress',
        ),
      );
    }
  }
  if (n.mode === "host" && app.entrypoints.some((e) => e.kind === "function")) {
    out.push(
      diagnostic(
        "E_FUNCTION_NETWORK_HOST_FORBIDDEN",
        formatPath([...base, "mode"]),
        "the app has function entrypoints, which may not share the host network",
      ),
    );
  }
  for (const key of ["egress", "build_egress"] as const) {
    n[key]?.allowlist.forEach((g, i) => {
      const p = [...base, key, "allowlist", i];
      if (isWildcardHost(g.host)) {
        out.push(
          diagnostic(
            "E_NETWORK_WILDCARD",
            formatPath([...p, "host"]),
            `${key === "egress" ? "egress" : "build egress"} host ${JSON.stringify(g.host)} is a wildcard`,
          ),
        );
      }
      checkPort(g.port, [...p, "port"], out);
    });
  }
  const ids = new Map<string, number>();
  const binds = new Map<string, number>();
  n.ports.forEach((f, i) => {
    const p = [...base, "ports", i];
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(f.mapping_id)) {
      out.push(
        diagnostic(
          "E_INGRESS_INVALID_MAPPING",
          formatPath([...p, "mapping_id"]),
          `mapping_id ${JSON.stringify(f.mapping_id)} is not an id`,
        ),
      );
    }
    if (f.host_addr !== "127.0.0.1") {
      out.push(
        diagnostic(
          "E_INGRESS_INVALID_MAPPING",
          formatPath([...p, "host_addr"]),
          `host_addr must be "127.0.0.1", got ${JSON.stringify(f.host_addr)}`,
        ),
      );
    }
    if (f.guest_addr !== "127.0.0.1") {
      out.push(
        diagnostic(
          "E_INGRESS_GUEST_NOT_LOOPBACK",
          formatPath([...p, "guest_addr"]),
          `guest_addr is ${JSON.stringify(f.guest_addr)}`,
        ),
      );
    }
    if (f.transform === "tls" && !f.tls_secret) {
      out.push(
        diagnostic(
          "E_INGRESS_INVALID_MAPPING",
          formatPath([...p, "tls_secret"]),
          'transform "tls" needs tls_secret',
        ),
      );
    }
    checkPort(f.host, [...p, "host"], out);
    checkPort(f.guest, [...p, "guest"], out);
    const prevId = ids.get(f.mapping_id);
    if (prevId !== undefined) {
      out.push(
        diagnostic(
          "E_INGRESS_DUPLICATE_MAPPING",
          formatPath([...p, "mapping_id"]),
          `mapping_id ${JSON.stringify(f.mapping_id)} is also used by ports[${prevId}]`,
        ),
      );
    } else ids.set(f.mapping_id, i);
    const bind = `${f.proto}:${f.host_addr}:${f.host}`;
    const prevBind = binds.get(bind);
    if (prevBind !== undefined) {
      out.push(
        diagnostic(
          "E_INGRESS_DUPLICATE_BIND",
          formatPath([...p, "host"]),
          `${f.proto} ${f.host_addr}:${f.host} is also bound by ports[${prevBind}]`,
        ),
      );
    } else binds.set(bind, i);
  });
  if (n.dns?.kind === "resolver") checkPort(n.dns.port, [...base, "dns", "port"], out);
}

function checkEntrypoints(entrypoints: Entrypoint[], base: PathSegment[], out: Diagnostic[]): void {
  if (entrypoints.length === 0) {
    out.push(
      diagnostic("E_NO_PRIMARY_ENTRYPOINT", formatPath(base), "the app has no entrypoint", {
        hint: "declare entrypoint=... or entrypoints=[...]",
      }),
    );
    return;
  }
  const primaries: number[] = [];
  const names = new Map<string, number>();
  entrypoints.forEach((e, i) => {
    const p = [...base, i];
    if (e.kind === "command") {
      const prog = effectiveProgram(e.command);
      if (prog !== undefined && SHELLS.has(prog)) {
        out.push(
          diagnostic(
            "E_SHELL_ENTRYPOINT_FORBIDDEN",
            formatPath([...p, "command"]),
            `the command runs the shell ${JSON.stringify(prog)}`,
          ),
        );
      }
      return;
    }
    if (!LANGUAGES.has(e.language)) {
      out.push(
        diagnostic(
          "E_UNSUPPORTED_LANGUAGE",
          formatPath([...p, "language"]),
          `language ${JSON.stringify(e.language)} is not python or node`,
        ),
      );
    }
    if (e.primary) primaries.push(i);
    const prev = names.get(e.function);
    if (prev !== undefined) {
      out.push(
        diagnostic(
          "E_DUPLICATE_ENTRYPOINT_FUNCTION",
          formatPath([...p, "function"]),
          `function ${JSON.stringify(e.function)} is also entrypoints[${prev}]`,
        ),
      );
    } else names.set(e.function, i);
  });
  if (entrypoints.length > 1 && primaries.length === 0) {
    out.push(
      diagnostic(
        "E_NO_PRIMARY_ENTRYPOINT",
        formatPath(base),
        `${entrypoints.length} entrypoints and none is primary`,
      ),
    );
  }
  if (primaries.length > 1) {
    out.push(
      diagnostic(
        "E_MULTIPLE_PRIMARY_ENTRYPOINTS",
        formatPath(base),
        `entrypoints ${primaries.map((i) => `[${i}]`).join(", ")} are all primary`,
      ),
    );
  }
}

function schemaMentionsSecret(v: unknown, secretNames: Set<string>): boolean {
  if (typeof v === "string") return secretNames.has(v);
  if (Array.isArray(v)) return v.some((x) => schemaMentionsSecret(x, secretNames));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o.kind === "secret_ref") return true;
    return Object.values(o).some((x) => schemaMentionsSecret(x, secretNames));
  }
  return false;
}

const GLOB_BAD = /(^|\/)\.\.(\/|$)|^\/|\0/;

/** Checks one glob pattern's form (matching itself happens in compile). */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === "") return "is empty";
  if (GLOB_BAD.test(pattern)) return "must be relative and must not contain '..'";
  let depth = 0;
  for (const ch of pattern) {
    if (ch === "[" || ch === "{") depth++;
    if (ch === "]" || ch === "}") depth--;
    if (depth < 0) return "has an unbalanced bracket";
  }
  if (depth !== 0) return "has an unbalanced bracket";
  return undefined;
}

/**
 * Free-form JSON (args/return schemas, extensions) holds unsigned integers only (spec §1), since
 * canonical JSON (§2) writes integers only; anything else would be accepted here and fail hashing.
 */
export function checkFreeformNumbers(v: unknown, path: PathSegment[], out: Diagnostic[]): void {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) {
      out.push(
        diagnostic(
          "E_MALFORMED_MANIFEST",
          formatPath(path),
          `${v} is not an unsigned integer; IR numbers are unsigned integers`,
          { hint: "write the number as a string, or as an unsigned integer" },
        ),
      );
    }
  } else if (Array.isArray(v))
    v.forEach((x, i) => {
      checkFreeformNumbers(x, [...path, i], out);
    });
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) checkFreeformNumbers(x, [...path, k], out);
}

function checkApp(app: App, i: number, out: Diagnostic[]): void {
  const base: PathSegment[] = ["apps", i];
  if (app.source.kind !== "local_path") {
    out.push(
      diagnostic(
        "E_SOURCE_KIND_DEFERRED",
        formatPath([...base, "source", "kind"]),
        `source kind ${JSON.stringify(app.source.kind)} is not supported yet`,
      ),
    );
  } else {
    for (const key of ["include", "exclude"] as const) {
      app.source[key].forEach((g, j) => {
        const problem = globProblem(g);
        if (problem)
          out.push(
            diagnostic(
              "E_SOURCE_GLOB_INVALID",
              formatPath([...base, "source", key, j]),
              `pattern ${JSON.stringify(g)} ${problem}`,
            ),
          );
      });
    }
  }
  for (const [k, [lo, hi]] of Object.entries(RESOURCE_LIMITS)) {
    const v = app.resources[k as keyof typeof RESOURCE_LIMITS];
    if (v < lo || v > hi) {
      out.push(
        diagnostic(
          "E_RESOURCES_OUT_OF_RANGE",
          formatPath([...base, "resources", k]),
          `${k} ${v} is outside ${lo}-${hi}`,
        ),
      );
    }
  }
  checkEntrypoints(app.entrypoints, [...base, "entrypoints"], out);
  const secretNames = new Set<string>();
  for (const [name, value] of Object.entries(app.env)) {
    const p = [...base, "env", name];
    if (!ENV_NAME.test(name)) {
      out.push(
        diagnostic(
          "E_MALFORMED_MANIFEST",
          formatPath(p),
          `${JSON.stringify(name)} is not a valid environment variable name`,
          { hint: "use letters, digits and _, not starting with a digit" },
        ),
      );
    }
    if (value.kind === "secret_ref") {
      secretNames.add(value.ref.name);
      if (value.ref.mount.kind === "env" && !ENV_NAME.test(value.ref.mount.var)) {
        out.push(
          diagnostic(
            "E_MALFORMED_MANIFEST",
            formatPath([...p, "ref", "mount", "var"]),
            `${JSON.stringify(value.ref.mount.var)} is not a valid environment variable name`,
          ),
        );
      }
      if (value.ref.allowed_hosts.length === 0) {
        out.push(
          diagnostic(
            "E_SECRET_WITHOUT_BINDING",
            formatPath([...p, "ref", "allowed_hosts"]),
            `secret ${JSON.stringify(value.ref.name)} has no allowed hosts and will never be released`,
          ),
        );
      }
      value.ref.allowed_hosts.forEach((h, j) => {
        if (isWildcardHost(h))
          out.push(
            diagnostic(
              "E_NETWORK_WILDCARD",
              formatPath([...p, "ref", "allowed_hosts", j]),
              `allowed host ${JSON.stringify(h)} is a wildcard`,
            ),
          );
      });
    }
  }
  app.entrypoints.forEach((e, j) => {
    if (e.kind !== "function") return;
    for (const key of ["args_schema", "return_schema"] as const) {
      checkFreeformNumbers(e[key], [...base, "entrypoints", j, key], out);
      if (e[key] !== undefined && schemaMentionsSecret(e[key], secretNames)) {
        out.push(
          diagnostic(
            "E_SECRET_IN_SCHEMA",
            formatPath([...base, "entrypoints", j, key]),
            `${key} refers to a secret`,
          ),
        );
      }
    }
  });
  if (app.network) checkNetwork(app.network, [...base, "network"], app, out);
  // Egress destinations: public only (egress-policy.ts, issue 11).
  out.push(...egressHostDiagnostics(app, base, isWildcardHost));
}

/** Every cross-field rule of spec §3 on a shape-valid workload. */
export function checkRules(w: Workload): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (w.apps.length === 0) out.push(diagnostic("E_EMPTY_APPS", ".apps", "apps[] is empty"));
  if (w.apps.length > 1)
    out.push(
      diagnostic("E_MULTI_APP_DEFERRED", ".apps", `${w.apps.length} apps; one app per workload in v0`),
    );
  w.apps.forEach((a, i) => {
    checkApp(a, i, out);
  });
  checkFreeformNumbers(w.extensions, ["extensions"], out);
  w.volumes.forEach((v, i) => {
    if (v.persist)
      out.push(
        diagnostic(
          "E_PERSIST_DEFERRED",
          formatPath(["volumes", i, "persist"]),
          `volume ${JSON.stringify(v.name)} asks to persist`,
        ),
      );
  });
  return out;
}
