// Lifecycle of an instance's fetch broker process (docs/fetch.md): written config, started detached
// by `up` before QEMU, found again by its pid + config path (in its argv), stopped by `down`.
import { existsSync } from "node:fs";
import { canonicalHost } from "@mvm/ir/egress-policy";
import { MvmError } from "@mvm/ir/errors";
import type { SecretBindings } from "../../contracts/secret-refs.js";
import { helperMain, type LaunchedHelper, launchHelper, stopHelper } from "../helper-process.js";
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

/**
 * Starts the broker with its socket already listening (helper-process.ts): QEMU may start at once,
 * its port chardevs queue on the socket until the broker serves. Await `ready` before the instance
 * counts as running.
 */
export function launchFetchBroker(
  configPath: string,
  cfg: FetchBrokerConfig,
  outLog: string,
): Promise<LaunchedHelper> {
  return launchHelper({
    main: helperMain(import.meta.url, "broker-main"),
    configPath,
    config: cfg,
    outLog,
    ready: { socket: cfg.socket },
    code: "E_FETCH_BROKER_FAILED",
    what: "fetch broker",
  });
}

/** Starts the broker and waits until it serves. */
export async function startFetchBroker(
  configPath: string,
  cfg: FetchBrokerConfig,
  outLog: string,
): Promise<number> {
  const b = await launchFetchBroker(configPath, cfg, outLog);
  await b.ready;
  return b.pid;
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export const stopFetchBroker = stopHelper;
