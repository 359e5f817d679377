// Secret release and redaction (DESIGN §4.9). The guest holds opaque tokens; a token in a request
// header is swapped for the stored value only when the request goes over https to one of that
// secret's hosts. Any other destination refuses the whole request (naming the secret, never its
// value). Values read for a request are redacted from the response before the guest sees it.
import { FetchFailure, HEADER_VALUE } from "./protocol.js";

export const TOKEN_RE = /mvm-secret-[0-9a-f]{32}/g;

export interface SecretGrant {
  name: string;
  hosts: readonly string[];
}

export interface ReleasePlan {
  /** Secret names to read from the store, in first-seen order. */
  names: string[];
}

/**
 * Decides which secrets a request may carry. Throws E_FETCH_DENIED when a token in a header names
 * a secret whose hosts do not include `host`, or when the scheme is not https. Tokens this instance
 * did not mint are left as they are (they stand for nothing here).
 */
export function planRelease(
  headers: readonly [string, string][],
  tokens: Readonly<Record<string, SecretGrant>>,
  host: string,
  https: boolean,
): ReleasePlan {
  const names: string[] = [];
  for (const [, value] of headers) {
    for (const m of value.matchAll(TOKEN_RE)) {
      const grant = Object.hasOwn(tokens, m[0]) ? tokens[m[0]] : undefined;
      if (!grant) continue;
      if (!grant.hosts.includes(host))
        throw new FetchFailure(
          "E_FETCH_DENIED",
          `secret "${grant.name}" may only be sent to ${grant.hosts.join(", ") || "no host"}, not to ${host}`,
        );
      if (!https)
        throw new FetchFailure("E_FETCH_DENIED", `secret "${grant.name}" is released over https only`);
      if (!names.includes(grant.name)) names.push(grant.name);
    }
  }
  return { names };
}

/**
 * The headers with every planned token replaced by its value. Values are bytes; a header carries
 * them as latin1 (what Node writes byte for byte), so a value with CR, LF or NUL cannot be sent.
 */
export function substitute(
  headers: readonly [string, string][],
  tokens: Readonly<Record<string, SecretGrant>>,
  values: ReadonlyMap<string, Buffer>,
): [string, string][] {
  return headers.map(([k, v]) => [
    k,
    v.replace(TOKEN_RE, (t) => {
      const grant = Object.hasOwn(tokens, t) ? tokens[t] : undefined;
      const value = grant ? values.get(grant.name) : undefined;
      if (!grant || !value) return t;
      const text = value.toString("latin1");
      if (!HEADER_VALUE.test(text))
        throw new FetchFailure(
          "E_FETCH_INVALID",
          `the value of secret "${grant.name}" holds bytes a header cannot carry (CR, LF, NUL or other control bytes)`,
        );
      return text;
    }),
  ]);
}

function marker(name: string): string {
  return `[redacted secret ${name}]`;
}

/** Replaces every occurrence of each value in `buf` (exact bytes) with a marker naming the secret. */
export function redactBytes(buf: Buffer, values: ReadonlyMap<string, Buffer>): Buffer {
  let out = buf;
  for (const [name, value] of values) {
    if (value.length === 0 || out.indexOf(value) < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = out.indexOf(value); at >= 0; at = out.indexOf(value, from)) {
      parts.push(out.subarray(from, at), Buffer.from(marker(name)));
      from = at + value.length;
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** Header values as Node gives them (latin1 text of the wire bytes). */
export function redactText(text: string, values: ReadonlyMap<string, Buffer>): string {
  let out = text;
  for (const [name, value] of values) {
    const v = value.toString("latin1");
    if (v.length) out = out.split(v).join(marker(name));
    // The same bytes read as UTF-8 (a header value Node decoded differently).
    const u = value.toString("utf8");
    if (u.length && u !== v) out = out.split(u).join(marker(name));
  }
  return out;
}
