// Which hosts egress may reach (issue 11): one module for compile (a grant is refused before any
// image exists) and for the host-side egress proxy (every address a name resolves to is checked
// before it is dialled). Zod-free and dependency-free so the proxy can load it cheaply through
// "@mvm/ir/egress-policy".
//
// The rule: egress goes to the public internet only. A grant or a resolved address is refused when
// it is unspecified, loopback, link-local, private (RFC 1918, CGNAT, ULA), multicast, broadcast,
// documentation/benchmarking/reserved space, an IPv4-mapped/-compatible/NAT64/6to4 form of one of
// those, `localhost` / `*.localhost`, a cloud metadata name or address, or a single-label name
// (which the host's resolver would expand through its search domains).
//
// Canonical form: lower case, IDNA (punycode) for unicode names, one trailing dot dropped, IPv6
// without brackets in RFC 5952 text, and every numeric IPv4 spelling that inet_aton accepts
// (`0`, `2130706433`, `0x7f.1`, `127.1`, `0177.0.0.1`) as the dotted quad it means.
import { domainToASCII } from "node:url";
import { type Diagnostic, diagnostic } from "./errors.js";
import { formatPath, type PathSegment } from "./path.js";
import type { App } from "./schema.js";

export type HostKind = "name" | "ipv4" | "ipv6";

export interface CanonicalHost {
  /** The canonical text: what grants are compared in and what the proxy logs. */
  host: string;
  kind: HostKind;
  /** The address bytes (4 or 16) of an IP literal. */
  bytes?: Uint8Array;
}

export type HostVerdict =
  | { ok: true; host: CanonicalHost }
  | { ok: false; host?: CanonicalHost; reason: string };

const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/i;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** inet_aton(3): 1-4 parts, each decimal, 0-prefixed octal or 0x-prefixed hex; the last fills the rest. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: bigint[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 40) return undefined;
    let v: bigint;
    if (/^0x[0-9a-f]*$/i.test(p)) v = p.length === 2 ? 0n : BigInt(p);
    else if (/^0[0-7]*$/.test(p)) v = BigInt(`0o${p.slice(1) || "0"}`);
    else if (/^[1-9][0-9]*$/.test(p)) v = BigInt(p);
    else return undefined;
    nums.push(v);
  }
  const last = nums.pop() as bigint;
  if (nums.some((n) => n > 255n)) return undefined;
  if (last >= 1n << BigInt(8 * (4 - nums.length))) return undefined;
  let value = last;
  nums.forEach((n, i) => {
    value += n << BigInt(8 * (3 - i));
  });
  return Uint8Array.of(
    Number((value >> 24n) & 255n),
    Number((value >> 16n) & 255n),
    Number((value >> 8n) & 255n),
    Number(value & 255n),
  );
}

/** A strict dotted quad (the only IPv4 form allowed inside an IPv6 literal). */
function parseDottedQuad(text: string): Uint8Array | undefined {
  if (
    !/^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/.test(
      text,
    )
  )
    return undefined;
  return Uint8Array.from(text.split(".").map(Number));
}

/** RFC 4291 text (with an optional trailing dotted quad) to 16 bytes; no zone ids. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f:.]+$/i.test(text) || text.length > 45) return undefined;
  let head = text;
  let v4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    v4 = parseDottedQuad(text.slice(lastColon + 1));
    if (!v4) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === "" ? [] : s.split(":"));
  const left = group(halves[0] as string);
  const right = halves.length === 2 ? group(halves[1] as string) : [];
  const groups = [...left, ...right];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  if (halves.length === 1 ? groups.length !== 8 : groups.length > 7) return undefined;
  const words = [...left, ...Array(8 - groups.length).fill("0"), ...right].map((g) => Number.parseInt(g, 16));
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 255;
  });
  if (v4) out.set(v4, 12);
  return out;
}

export function formatIPv4(b: Uint8Array): string {
  return Array.from(b.subarray(0, 4)).join(".");
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function formatIPv6(b: Uint8Array): string {
  const w = Array.from({ length: 8 }, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/**
 * The canonical form of a grant's host or a request's target host, or undefined when the text is
 * not a host at all (spaces, ports, paths, zone ids, an empty label, a malformed number).
 */
export function canonicalHost(raw: string): CanonicalHost | undefined {
  if (raw.length === 0 || raw.length > 260 || /[\s/\\@?#%*]/.test(raw)) return undefined;
  for (const ch of raw) if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) return undefined;
  let text = raw;
  if (text.startsWith("[") || text.endsWith("]")) {
    if (!(text.startsWith("[") && text.endsWith("]"))) return undefined;
    text = text.slice(1, -1);
    if (!text.includes(":")) return undefined;
  }
  if (text.includes(":")) {
    const bytes = parseIPv6(text);
    return bytes ? { host: formatIPv6(bytes), kind: "ipv6", bytes } : undefined;
  }
  // IDNA (UTS 46 mapping: lower case, full-width digits and dots, punycode). It also applies the
  // WHATWG IPv4 number parser; the explicit inet_aton parse below is what this module relies on.
  let name = domainToASCII(text);
  if (name === "") return undefined;
  if (name.endsWith(".")) name = name.slice(0, -1);
  const labels = name.split(".");
  const last = labels[labels.length - 1] as string;
  if (NUMERIC_LABEL.test(last)) {
    const bytes = parseIPv4(name);
    return bytes ? { host: formatIPv4(bytes), kind: "ipv4", bytes } : undefined;
  }
  if (name.length > 253 || !labels.every((l) => LABEL.test(l))) return undefined;
  return { host: name, kind: "name" };
}

// --- addresses -------------------------------------------------------------------------------

type V4Range = readonly [a: number, b: number, c: number, d: number, prefix: number, reason: string];

/** IANA IPv4 special-purpose blocks that are not globally reachable, plus multicast and 240/4. */
const V4_RANGES: readonly V4Range[] = [
  [255, 255, 255, 255, 32, "the broadcast address"],
  [169, 254, 169, 254, 32, "a cloud metadata address"],
  [169, 254, 170, 2, 32, "a cloud metadata address"],
  [100, 100, 100, 200, 32, "a cloud metadata address"],
  [0, 0, 0, 0, 32, "the unspecified address"],
  [0, 0, 0, 0, 8, 'in "this network" (0/8)'],
  [10, 0, 0, 0, 8, "private (RFC 1918)"],
  [100, 64, 0, 0, 10, "shared address space (CGNAT, 100.64/10)"],
  [127, 0, 0, 0, 8, "loopback"],
  [169, 254, 0, 0, 16, "link-local"],
  [172, 16, 0, 0, 12, "private (RFC 1918)"],
  [192, 0, 0, 0, 24, "reserved (IETF protocol assignments)"],
  [192, 0, 2, 0, 24, "reserved (documentation)"],
  [192, 88, 99, 0, 24, "reserved (6to4 relay anycast)"],
  [192, 168, 0, 0, 16, "private (RFC 1918)"],
  [198, 18, 0, 0, 15, "reserved (benchmarking)"],
  [198, 51, 100, 0, 24, "reserved (documentation)"],
  [203, 0, 113, 0, 24, "reserved (documentation)"],
  [224, 0, 0, 0, 4, "multicast"],
  [240, 0, 0, 0, 4, "reserved (240/4)"],
];

function inPrefix(b: Uint8Array, net: ArrayLike<number>, prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const n = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if (((b[bit / 8] as number) & mask) !== ((net[bit / 8] as number) & mask)) return false;
  }
  return true;
}

/** Why an IPv4 address may not be reached, or undefined when it is a public unicast address. */
export function ipv4Refusal(b: Uint8Array): string | undefined {
  for (const [a, bb, c, d, prefix, reason] of V4_RANGES)
    if (inPrefix(b, [a, bb, c, d], prefix)) return reason;
  return undefined;
}

const hexNet = (text: string) => parseIPv6(text) as Uint8Array;
const V6_RANGES: readonly (readonly [Uint8Array, number, string])[] = [
  [hexNet("fd00:ec2::254"), 128, "a cloud metadata address"],
  [hexNet("::"), 128, "the unspecified address"],
  [hexNet("::1"), 128, "loopback"],
  [hexNet("64:ff9b:1::"), 48, "reserved (local-use NAT64)"],
  [hexNet("100::"), 64, "reserved (discard-only)"],
  [hexNet("2001:db8::"), 32, "reserved (documentation)"],
  [hexNet("2001::"), 23, "reserved (IETF protocol assignments, incl. Teredo)"],
  [hexNet("3fff::"), 20, "reserved (documentation)"],
  [hexNet("5f00::"), 16, "reserved (SRv6 SIDs)"],
  [hexNet("fc00::"), 7, "private (unique local, fc00::/7)"],
  [hexNet("fe80::"), 10, "link-local"],
  [hexNet("fec0::"), 10, "reserved (site-local)"],
  [hexNet("ff00::"), 8, "multicast"],
];

/** IPv4 addresses carried inside IPv6 forms: mapped, compatible, NAT64 (RFC 6052), 6to4. */
function embeddedIPv4(b: Uint8Array): { v4: Uint8Array; form: string } | undefined {
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return { v4: b.subarray(12), form: "IPv4-mapped" };
  if (zero(0, 12)) return { v4: b.subarray(12), form: "IPv4-compatible" };
  if (inPrefix(b, hexNet("64:ff9b::"), 96)) return { v4: b.subarray(12), form: "NAT64" };
  if (b[0] === 0x20 && b[1] === 0x02) return { v4: b.subarray(2, 6), form: "6to4" };
  return undefined;
}

/** Why an IPv6 address may not be reached, or undefined when it is public global unicast. */
export function ipv6Refusal(b: Uint8Array): string | undefined {
  for (const [net, prefix, reason] of V6_RANGES) if (inPrefix(b, net, prefix)) return reason;
  const e = embeddedIPv4(b);
  if (e) {
    const r = ipv4Refusal(e.v4);
    if (r) return `${r} (${e.form} ${formatIPv4(e.v4)})`;
    if (e.form === "IPv4-compatible") return "reserved (deprecated IPv4-compatible form)";
    return undefined;
  }
  if (!inPrefix(b, [0x20], 3)) return "reserved (outside global unicast 2000::/3)";
  return undefined;
}

/** Why an address (4 or 16 bytes) may not be reached, or undefined when it may. */
export function addressRefusal(b: Uint8Array): string | undefined {
  return b.length === 4 ? ipv4Refusal(b) : ipv6Refusal(b);
}

/** True for 127/8, ::1 and their IPv4-mapped forms: what only the test resolve override may dial. */
export function isLoopback(b: Uint8Array): boolean {
  if (b.length === 4) return b[0] === 127;
  const e = embeddedIPv4(b);
  if (e && e.form === "IPv4-mapped") return e.v4[0] === 127;
  return inPrefix(b, hexNet("::1"), 128);
}

// --- names -----------------------------------------------------------------------------------

/** Names of cloud instance-metadata services (they answer with credentials). */
export const METADATA_NAMES: readonly string[] = [
  "metadata.google.internal",
  "metadata.goog",
  "instance-data.ec2.internal",
  "metadata.platformequinix.com",
  "metadata.tencentyun.com",
  "metadata.packet.net",
];

/** Why a canonical name may not be a grant, or undefined when it may. */
export function nameRefusal(name: string): string | undefined {
  if (name === "localhost" || name.endsWith(".localhost")) return "localhost";
  if (name === "localhost.localdomain" || name === "ip6-localhost" || name === "ip6-loopback")
    return "localhost";
  if (METADATA_NAMES.includes(name)) return "a cloud metadata name";
  if (!name.includes(".")) return "a single-label name (the host would expand it through its search domains)";
  return undefined;
}

/** Canonicalise, then apply the policy: compile-time checks and the proxy's literal targets. */
export function checkHost(raw: string): HostVerdict {
  const host = canonicalHost(raw);
  if (!host) return { ok: false, reason: "not a host name or IP address" };
  const reason = host.kind === "name" ? nameRefusal(host.host) : addressRefusal(host.bytes as Uint8Array);
  return reason ? { ok: false, host, reason } : { ok: true, host };
}

/** An address as Node's resolver returns it (dotted quad or IPv6 text) to bytes; undefined if neither. */
export function addressBytes(address: string): Uint8Array | undefined {
  return address.includes(":") ? parseIPv6(address) : parseDottedQuad(address);
}

/** The refusal of one resolved address (text form), or undefined when it may be dialled. */
export function resolvedAddressRefusal(address: string): string | undefined {
  const b = addressBytes(address);
  if (!b) return "not an IP address";
  return addressRefusal(b);
}

// --- compile time ----------------------------------------------------------------------------

function refusalDiagnostic(raw: string, path: PathSegment[], what: string): Diagnostic | undefined {
  const v = checkHost(raw);
  if (v.ok) return undefined;
  const canonical = v.host && v.host.host !== raw ? ` (${v.host.host})` : "";
  return diagnostic(
    "E_EGRESS_FORBIDDEN_HOST",
    formatPath(path),
    `${what} ${JSON.stringify(raw)}${canonical} is ${v.reason}`,
  );
}

/**
 * E_EGRESS_FORBIDDEN_HOST for every egress and build egress grant and every secret's allowed host that is not a
 * public destination. `skip` is the wildcard rule's test: those hosts already have their own code.
 */
export function egressHostDiagnostics(
  app: App,
  base: PathSegment[],
  skip: (host: string) => boolean = () => false,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const key of ["egress", "build_egress"] as const) {
    app.network?.[key]?.allowlist.forEach((g, i) => {
      if (skip(g.host)) return;
      const d = refusalDiagnostic(
        g.host,
        [...base, "network", key, "allowlist", i, "host"],
        key === "egress" ? "egress host" : "build egress host",
      );
      if (d) out.push(d);
    });
  }
  for (const [name, value] of Object.entries(app.env)) {
    if (value.kind !== "secret_ref") continue;
    value.ref.allowed_hosts.forEach((h, j) => {
      if (skip(h)) return;
      const d = refusalDiagnostic(h, [...base, "env", name, "ref", "allowed_hosts", j], "allowed host");
      if (d) out.push(d);
    });
  }
  return out;
}
