// Lifecycle of an instance's egress proxy process (docs/adr/0008-egress-proxy.md): started detached
// by `up` before QEMU, found again by its pid + config path (in its argv), stopped by `down`.

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MvmError } from "@mvm/ir/errors";
import { helperMain, type LaunchedHelper, launchHelper, stopHelper } from "../helper-process.js";
import type { EgressRule } from "./egress-proxy.js";

export interface EgressProxyConfig {
  socket: string;
  log: string;
  allowlist: EgressRule[];
  resolve?: Record<string, string>;
}

/**
 * The per-connection connector (agent/host/egress-connect.c, built by agent/'s Makefile as
 * build/mvm-egress-connect): a static C program, not a Node process per guest connection.
 */
export function connectorPath(): string {
  // src/runtime/network/ and dist/runtime/network/ are both five levels below the repository root.
  const agent = process.env.MVM_AGENT_DIR
    ? resolve(process.env.MVM_AGENT_DIR)
    : fileURLToPath(new URL("../../../../../agent", import.meta.url));
  return join(agent, "build", "mvm-egress-connect");
}

/** argv QEMU's guestfwd runs per guest connection: splices it to the proxy socket. */
export function connectorArgv(socket: string): string[] {
  return [connectorPath(), socket];
}

/**
 * MVM_EGRESS_RESOLVE="name=address,...": dial `address` (an IP literal) for the declared `name`
 * (the name stays what the allowlist is checked against), like curl's --resolve. TEST-ONLY: it is
 * the one way a dial may reach loopback (the e2e test's local server); every other non-public
 * address is refused even here (egress-proxy.ts).
 */
export function resolveOverrides(env: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (env ?? "").split(",")) {
    const [name, address] = pair.split("=").map((s) => s.trim());
    if (name && address) out[name.toLowerCase()] = address;
  }
  return out;
}

/**
 * Starts the proxy with its socket already listening (helper-process.ts): QEMU may start at once,
 * a guest connection's connector queues on the socket until the proxy serves. Await `ready`
 * before the instance counts as running.
 */
export async function launchEgressProxy(
  configPath: string,
  cfg: EgressProxyConfig,
  outLog: string,
): Promise<LaunchedHelper> {
  if (!existsSync(connectorPath())) {
    throw new MvmError("E_EGRESS_PROXY_FAILED", `the egress connector ${connectorPath()} is missing`, {
      hint: "build it with `make -C agent` (scripts/setup.sh does)",
    });
  }
  return launchHelper({
    main: helperMain(import.meta.url, "egress-proxy-main"),
    configPath,
    config: cfg,
    outLog,
    ready: { socket: cfg.socket },
    code: "E_EGRESS_PROXY_FAILED",
    what: "egress proxy",
  });
}

/** Starts the proxy and waits until it serves. */
export async function startEgressProxy(
  configPath: string,
  cfg: EgressProxyConfig,
  outLog: string,
): Promise<number> {
  const p = await launchEgressProxy(configPath, cfg, outLog);
  await p.ready;
  return p.pid;
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export const stopEgressProxy = stopHelper;
