// Canonical bytes (spec §2): keys sorted by code point at every level, no whitespace, integers in
// decimal, JSON.stringify string escapes, raw UTF-8 otherwise. These bytes are what is hashed.
import { createHash } from "node:crypto";
import type { Json } from "./serialize.js";

/** Compares strings by Unicode code point (JS's default sort compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

function encode(v: unknown, out: string[]): void {
  if (v === null) {
    out.push("null");
  } else if (typeof v === "boolean") {
    out.push(v ? "true" : "false");
  } else if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new TypeError(`canonical JSON holds integers only, got ${v}`);
    out.push(String(v));
  } else if (typeof v === "string") {
    out.push(JSON.stringify(v));
  } else if (Array.isArray(v)) {
    out.push("[");
    v.forEach((item, i) => {
      if (i > 0) out.push(",");
      encode(item, out);
    });
    out.push("]");
  } else if (typeof v === "object") {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort(compareCodePoints);
    out.push("{");
    keys.forEach((k, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(k), ":");
      encode(obj[k], out);
    });
    out.push("}");
  } else {
    throw new TypeError(`canonical JSON cannot hold a ${typeof v}`);
  }
}

/** The canonical JSON text of a value (undefined object members are dropped). */
export function canonicalJson(v: Json | unknown): string {
  const out: string[] = [];
  encode(v, out);
  return out.join("");
}

export function canonicalBytes(v: Json | unknown): Buffer {
  return Buffer.from(canonicalJson(v), "utf8");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Pretty JSON for humans, same value, keys in canonical order, trailing newline. */
export function prettyJson(v: Json | unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(v)), null, 2)}\n`;
}
