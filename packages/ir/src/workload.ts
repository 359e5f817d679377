// Everyday operations on a validated workload: its canonical bytes and hashes.
import { canonicalJson, sha256Hex } from "./canonical.js";
import type { App, Entrypoint, FunctionEntrypoint, Workload } from "./schema.js";
import { serializeWorkload } from "./serialize.js";

export function workloadCanonicalJson(w: Workload): string {
  return canonicalJson(serializeWorkload(w));
}

/** ir_hash: lowercase hex sha256 of the canonical bytes. */
export function irHash(w: Workload): string {
  return sha256Hex(workloadCanonicalJson(w));
}

/** The workload with every secret_ref env entry removed (the launch.json ir_hash input). */
export function withoutSecrets(w: Workload): Workload {
  return {
    ...w,
    apps: w.apps.map((a) => ({
      ...a,
      env: Object.fromEntries(Object.entries(a.env).filter(([, v]) => v.kind !== "secret_ref")),
    })),
  };
}

/** The primary entrypoint: the one marked primary, else the only/first one. */
export function primaryEntrypoint(app: App): Entrypoint {
  const primary = app.entrypoints.find((e) => e.kind === "function" && e.primary);
  return primary ?? app.entrypoints[0]!;
}

/** The name an entrypoint is invoked by: its function name, or "main" for a command. */
export function entrypointName(e: Entrypoint): string {
  return e.kind === "function" ? e.function : "main";
}

export function functionEntrypoints(app: App): FunctionEntrypoint[] {
  return app.entrypoints.filter((e): e is FunctionEntrypoint => e.kind === "function");
}
