// The serialized form of spec §1: the value every route writes, with its null/omit rules.
// Input may leave defaults out; output always has them (or omits exactly what the spec omits).
import type { AddonUse, App, Entrypoint, Hooks, Network, Workload } from "./schema.js";
import { HOOK_PHASES } from "./schema.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function hooksOut(h: Hooks): Record<string, Json> | undefined {
  const out: Record<string, Json> = {};
  for (const phase of HOOK_PHASES) {
    const cmds = h[phase];
    if (cmds && cmds.length > 0) out[phase] = cmds as Json;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function entrypointOut(e: Entrypoint): Json {
  if (e.kind === "command") {
    return { kind: "command", command: e.command, working_dir: e.working_dir, env: e.env };
  }
  const out: Record<string, Json> = {
    kind: "function",
    language: e.language,
    module: e.module,
    function: e.function,
    format: e.format,
    working_dir: e.working_dir,
    env: e.env,
    primary: e.primary,
  };
  if (e.args_schema !== undefined) out.args_schema = e.args_schema as Json;
  if (e.return_schema !== undefined) out.return_schema = e.return_schema as Json;
  if (e.extra_imports && e.extra_imports.length > 0) out.extra_imports = e.extra_imports;
  if (e.concurrency !== undefined) out.concurrency = e.concurrency;
  return out;
}

export function networkOut(n: Network | null): Json {
  if (n === null) return null;
  const out: Record<string, Json> = {
    mode: n.mode,
    ports: n.ports.map((p) => {
      const { tls_secret, ...rest } = p;
      return (tls_secret === undefined ? rest : { ...rest, tls_secret }) as Json;
    }),
  };
  if (n.egress) out.egress = n.egress as Json;
  if (n.build_egress) out.build_egress = n.build_egress as Json;
  if (n.peers && n.peers.length > 0) out.peers = n.peers;
  if (n.dns) out.dns = n.dns as Json;
  return out;
}

function addonOut(a: AddonUse): Json {
  const hooks = hooksOut(a.hooks);
  return hooks ? { name: a.name, hooks } : { name: a.name };
}

export function appOut(a: App): Record<string, Json> {
  const out: Record<string, Json> = {
    name: a.name,
    source: a.source as Json,
    image: a.image as Json,
    entrypoints: a.entrypoints.map(entrypointOut),
    env: a.env as Json,
    mounts: a.mounts as Json,
    network: networkOut(a.network),
    resources: a.resources as Json,
    dependencies: a.dependencies as Json,
  };
  if (a.threat_tier !== "untrusted") out.threat_tier = a.threat_tier;
  if (a.addons.length > 0) out.addons = a.addons.map(addonOut);
  const hooks = hooksOut(a.hooks);
  if (hooks) out.hooks = hooks;
  if (a.files.length > 0) {
    out.files = a.files.map((f) => (f.mode === undefined ? { path: f.path, bytes_b64: f.bytes_b64 } : f));
  }
  return out;
}

/** The serialized Workload: a plain JSON value ready for canonical encoding. */
export function serializeWorkload(w: Workload): Json {
  return {
    schema_version: w.schema_version,
    id: w.id,
    apps: w.apps.map(appOut),
    volumes: w.volumes as Json,
    extensions: w.extensions as Json,
  };
}
