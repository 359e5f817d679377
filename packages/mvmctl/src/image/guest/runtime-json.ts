// Builds /etc/mvm/runtime.json (docs/architecture.md, "Guest layout") from launch.json. The agent
// reads only this file in the guest, so everything it needs to call a function is resolved here.
import type { Entrypoint } from "@mvm/ir";
import type { LaunchJson } from "../../contracts/compiled-dir.js";
import {
  GUEST_HOOK_PHASES,
  RUNTIME_CONFIG_VERSION,
  RuntimeConfig,
  type RuntimeEntrypoint,
  type RuntimeJson,
} from "../../contracts/guest-runtime.js";
import { mustMatch } from "../../contracts/validate.js";

export type { RuntimeJson } from "../../contracts/guest-runtime.js";

export const GUEST_APP_DIR = "/app";

/** A function entrypoint is named by its function; a command entrypoint is `main`. */
export function entrypointName(ep: Entrypoint): string {
  return ep.kind === "function" ? ep.function : "main";
}

/** Only literal env reaches the image; anything else (a secret reference) is dropped here too. */
function literalEnv(env: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    if (typeof v === "string") out[k] = v;
    else if (v && typeof v === "object" && (v as { kind?: string }).kind === "literal") {
      const value = (v as { value?: unknown }).value;
      if (typeof value === "string") out[k] = value;
    }
  }
  return out;
}

function runtimeEntrypoint(ep: Entrypoint, launch: LaunchJson): RuntimeEntrypoint {
  const working_dir = ep.working_dir ?? GUEST_APP_DIR;
  const env = literalEnv(ep.env);
  if (ep.kind === "command") return { kind: "command", command: ep.command, working_dir, env };
  const params = launch.signatures?.[ep.function]?.params ?? [];
  return {
    kind: "function",
    language: ep.language,
    module: ep.module,
    function: ep.function,
    working_dir,
    env,
    params,
  };
}

export interface RuntimeJsonOptions {
  /**
   * Production images (`mvmctl build --production`): the agent refuses `exec`, so the only way to
   * run code in the guest is the workload's declared entrypoints. Default: a dev image.
   */
  production?: boolean;
}

/**
 * Bridge images: every process the agent starts gets the proxy env, since the host's egress proxy
 * is the guest's only way out (docs/adr/0008-egress-proxy.md). The address matches GUEST_NET in
 * runtime/vmm/qemu-args.ts and init.c. NO_PROXY keeps the guest's own loopback local.
 */
export function proxyEnv(network: unknown): Record<string, string> {
  if ((network as { mode?: unknown } | null)?.mode !== "bridge") return {};
  const url = "http://10.0.2.100:3128";
  const noProxy = "localhost,127.0.0.1,::1";
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

export function runtimeJson(launch: LaunchJson, opts: RuntimeJsonOptions = {}): RuntimeJson {
  const entrypoints: Record<string, RuntimeEntrypoint> = {};
  for (const ep of launch.entrypoints) entrypoints[entrypointName(ep)] = runtimeEntrypoint(ep, launch);
  const hooks = GUEST_HOOK_PHASES.filter((p) => (launch.hooks?.[p]?.length ?? 0) > 0);
  const rt: RuntimeJson = {
    version: RUNTIME_CONFIG_VERSION,
    workload_id: launch.workload_id,
    dev: !opts.production,
    primary: entrypointName(launch.entrypoint),
    // The proxy env last: the workload cannot point its clients around the proxy by accident.
    env: { ...literalEnv(launch.env), ...proxyEnv(launch.network) },
    entrypoints,
    hooks,
    ready: { poll_ms: 200, timeout_ms: 30000 },
  };
  // The agent refuses a runtime.json it cannot read only at boot; catch a mismatch at build time.
  mustMatch(RuntimeConfig, rt, "runtime.json");
  return rt;
}
