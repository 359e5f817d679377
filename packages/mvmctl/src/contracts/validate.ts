// Shared by the contracts: reading a versioned JSON file and turning zod's verdict into one line a
// user can act on. Imports zod's types only, so it costs nothing at start-up.
import { readFile } from "node:fs/promises";
import type { z } from "zod";

/** The first few problems of a failed parse, as `path: message` (the path is `.` for the root). */
export function describeIssues(error: z.ZodError, max = 3): string {
  const shown = error.issues.slice(0, max).map((i) => {
    const path = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    return `${path || "."}: ${i.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : "";
  return `${shown.join("; ")}${more}`;
}

export type JsonRead = { ok: true; value: unknown } | { ok: false; reason: string };

/** Reads and parses a JSON file; a missing or unparsable file is a reason, not a throw. */
export async function readJson(file: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    return { ok: false, reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: "is not valid JSON" };
  }
}

/** The value of `key` when `v` is a JSON object, else undefined. */
export function field(v: unknown, key: string): unknown {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)[key]
    : undefined;
}

/**
 * For writers: what mvm itself is about to write must match its contract. A mismatch is a bug in
 * mvm (not the user's input), so it is a plain Error that names the file and the first problems.
 */
export function mustMatch(schema: z.ZodType, value: unknown, what: string): void {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new Error(`internal: the ${what} being written breaks its contract: ${describeIssues(r.error)}`);
}
