// The fetch broker's config file (<instance>/fetch.json), written by `up`, read by the broker
// process. It holds paths, grants, secret NAMES and their tokens (as secrets.json does) — never a
// secret value: the broker reads values from the store at request time. MVM_FETCH_RESOLVE,
// MVM_FETCH_CA_FILE and MVM_SEARCH_* are read by `up` from its own environment and land here, so
// the broker process itself runs with PATH and LANG only (lib/child-env.ts).
import { readFile } from "node:fs/promises";
import { canonicalHost } from "@mvm/ir/egress-policy";
import { MvmError } from "@mvm/ir/errors";

export interface FetchGrant {
  host: string;
  port: number;
}

export interface FetchSecretGrant {
  /** The store name (what the audit log and errors show). */
  name: string;
  /** Canonical hosts this secret may be released to (https, port 443, or a granted port). */
  hosts: string[];
}

/** One MVM_FETCH_RESOLVE entry: dial `address` (and `dialPort`, default `port`) for host:port. */
export interface FetchResolve {
  host: string;
  port: number;
  address: string;
  dialPort?: number;
}

export interface SearchConfig {
  /** A URL template with {query} and {limit} (both URL-encoded when filled in). */
  url: string;
  /** A store secret whose value goes in `keyHeader` (formatted by `keyFormat`, "{key}" = the value). */
  keySecret?: string;
  keyHeader: string;
  keyFormat: string;
}

export interface FetchBrokerConfig {
  /** Where the guest's ports connect (QEMU chardevs are clients of this unix socket). */
  socket: string;
  /** The audit log: one JSON line per request. */
  log: string;
  instance: string;
  /** $MVM_HOME, whose secret store the values are read from at request time. */
  home: string;
  /** The workload's declared egress allowlist (exact host:port pairs, https or http). */
  egress: FetchGrant[];
  /** token -> the secret it stands for (name + hosts). */
  tokens: Record<string, FetchSecretGrant>;
  resolve: FetchResolve[];
  /** An extra PEM CA bundle trusted on top of the system roots (MVM_FETCH_CA_FILE). */
  caFile?: string;
  search?: SearchConfig;
}

function bad(message: string): MvmError {
  return new MvmError("E_FETCH_BROKER_FAILED", message, {
    hint: "fix the variable named above and run `mvmctl up` again",
  });
}

/**
 * MVM_FETCH_RESOLVE="host:port:address[:dialport],..." like curl's --resolve (and, with the fourth
 * field, --connect-to's port). TEST-ONLY: the override is the one way a fetch may reach loopback;
 * any other non-public address is refused by the broker even here. IPv6 addresses go in brackets.
 */
export function parseFetchResolve(env: string | undefined): FetchResolve[] {
  const out: FetchResolve[] = [];
  for (const raw of (env ?? "").split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const m = /^([^:\s]+):(\d{1,5}):(\[[0-9a-fA-F:.]+\]|[0-9.]+)(?::(\d{1,5}))?$/.exec(entry);
    const host = m ? canonicalHost(m[1] as string)?.host : undefined;
    if (!m || !host)
      throw bad(`MVM_FETCH_RESOLVE entry ${JSON.stringify(entry)} is not host:port:address[:port]`);
    const address = (m[3] as string).replace(/^\[|\]$/g, "");
    out.push({
      host,
      port: Number(m[2]),
      address,
      ...(m[4] ? { dialPort: Number(m[4]) } : {}),
    });
  }
  return out;
}

/** MVM_SEARCH_URL (+ MVM_SEARCH_KEY_SECRET, MVM_SEARCH_KEY_HEADER, MVM_SEARCH_KEY_FORMAT); docs/fetch.md. */
export function searchConfigFromEnv(env: NodeJS.ProcessEnv): SearchConfig | undefined {
  const url = env.MVM_SEARCH_URL?.trim();
  if (!url) return undefined;
  if (!url.startsWith("https://") || !url.includes("{query}"))
    throw bad("MVM_SEARCH_URL must be an https:// URL template containing {query}");
  const keyHeader = env.MVM_SEARCH_KEY_HEADER?.trim() || "Authorization";
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(keyHeader))
    throw bad("MVM_SEARCH_KEY_HEADER must be a header name");
  const keyFormat =
    env.MVM_SEARCH_KEY_FORMAT ?? (keyHeader.toLowerCase() === "authorization" ? "Bearer {key}" : "{key}");
  if (!keyFormat.includes("{key}")) throw bad("MVM_SEARCH_KEY_FORMAT must contain {key}");
  const keySecret = env.MVM_SEARCH_KEY_SECRET?.trim() || undefined;
  return { url, keyHeader, keyFormat, ...(keySecret ? { keySecret } : {}) };
}

export async function readBrokerConfig(path: string): Promise<FetchBrokerConfig> {
  return JSON.parse(await readFile(path, "utf8")) as FetchBrokerConfig;
}
