// Lifecycle of an instance's fetch broker process (docs/fetch.md): written config, started detached
// by `up` before QEMU, found again by its pid + config path (in its argv), stopped by `down`.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { canonicalHost } from "@mvm/ir/egress-policy";
import { MvmError } from "@mvm/ir/errors";
import type { SecretBindings } from "../../contracts/secret-refs.js";
import { writeFileAtomic } from "../../lib/atomic-write.js";
import { helperEnv } from "../../lib/child-env.js";
import { processAlive, sleep, waitGone } from "../proc.js";
import {
  type FetchBrokerConfig,
  type FetchGrant,
  type FetchSecretGrant,
  parseFetchResolve,
  searchConfigFromEnv,
} from "./config.js";

/** How many guest ports (mvm.fetch.0 .. N-1): concurrent requests from the guest, one per port. */
export const FETCH_PORTS = 4;

export interface BrokerSetup {
  socket: string;
  log: string;
  instance: string;
  home: string;
  egress: FetchGrant[];
  /** image.json's secret bindings and the instance's token map (secrets.json). */
  secrets: SecretBindings | undefined;
  tokens: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** The config `up` writes: grants, token -> secret name and hosts, and the host's test/search settings. */
export function brokerConfig(s: BrokerSetup): FetchBrokerConfig {
  const env = s.env ?? process.env;
  const hostsOf = new Map<string, string[]>();
  for (const b of Object.values(s.secrets ?? {})) {
    const hosts = b.allowed_hosts.map((h) => canonicalHost(h)?.host).filter((h): h is string => !!h);
    hostsOf.set(b.name, [...new Set([...(hostsOf.get(b.name) ?? []), ...hosts])]);
  }
  const tokens: Record<string, FetchSecretGrant> = {};
  for (const [token, name] of Object.entries(s.tokens))
    tokens[token] = { name, hosts: hostsOf.get(name) ?? [] };
  const search = searchConfigFromEnv(env);
  const caFile = env.MVM_FETCH_CA_FILE?.trim();
  if (caFile && !existsSync(caFile))
    throw new MvmError("E_FETCH_BROKER_FAILED", `MVM_FETCH_CA_FILE ${caFile} does not exist`);
  return {
    socket: s.socket,
    log: s.log,
    instance: s.instance,
    home: s.home,
    egress: s.egress,
    tokens,
    resolve: parseFetchResolve(env.MVM_FETCH_RESOLVE),
    ...(caFile ? { caFile } : {}),
    ...(search ? { search } : {}),
  };
}

function entry(): { path: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith(".ts");
  const path = fileURLToPath(new URL(`./broker-main.${ts ? "ts" : "js"}`, import.meta.url));
  return { path, execArgv: ts ? ["--import", "tsx"] : [] };
}

export async function startFetchBroker(
  configPath: string,
  cfg: FetchBrokerConfig,
  outLog: string,
): Promise<number> {
  await writeFileAtomic(configPath, `${JSON.stringify(cfg, null, 2)}\n`, 0o600);
  const e = entry();
  const out = openSync(outLog, "a", 0o600);
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [...e.execArgv, e.path, configPath], {
      detached: true,
      stdio: ["ignore", out, out],
      // Only PATH and LANG: the broker never sees the CLI's environment; its settings are in the file.
      env: helperEnv(),
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) throw new MvmError("E_FETCH_BROKER_FAILED", "cannot start the fetch broker");
  const deadline = Date.now() + 15_000;
  while (!existsSync(cfg.socket)) {
    if (!processAlive(pid, configPath) || Date.now() > deadline) {
      await stopFetchBroker(pid, configPath);
      throw new MvmError("E_FETCH_BROKER_FAILED", "the fetch broker did not start", {
        hint: `see ${outLog}`,
      });
    }
    await sleep(20);
  }
  return pid;
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export async function stopFetchBroker(pid: number, configPath: string): Promise<void> {
  if (!processAlive(pid, configPath)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitGone(pid, configPath, 2000)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
