// Secret references at run time (DESIGN §4.9). `up` gives each secret env var an opaque random
// token; the guest only ever sees the token (sent as env with each invoke/exec), and the host keeps
// token -> secret name so a host-side proxy can substitute the value on an allowed outbound
// request. The secret value itself is never read here, never written to the instance, never printed.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { SecretBindings } from "../contracts/secret-refs.js";
import { writeFileAtomic } from "../lib/atomic-write.js";

export interface InstanceSecrets {
  /** env var name -> token, as sent to the guest. */
  env: Record<string, string>;
  /** token -> secret name (the store key), for the host-side substitution. */
  tokens: Record<string, string>;
}

/** `secrets`: image.json's secret references (env var name -> binding; never a value). */
export function mintSecretTokens(secrets: SecretBindings | undefined): InstanceSecrets {
  const out: InstanceSecrets = { env: {}, tokens: {} };
  for (const [envName, ref] of Object.entries(secrets ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const token = `mvm-secret-${randomBytes(16).toString("hex")}`;
    out.env[envName] = token;
    out.tokens[token] = ref.name;
  }
  return out;
}

export async function writeInstanceSecrets(path: string, s: InstanceSecrets): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(s, null, 2)}\n`, 0o600);
}

export async function readInstanceSecrets(path: string): Promise<InstanceSecrets> {
  if (!existsSync(path)) return { env: {}, tokens: {} };
  return JSON.parse(await readFile(path, "utf8")) as InstanceSecrets;
}
