// Where the parts of a lowered helper came from, so an IR validation error deep inside a helper's
// result (`.apps[0].network.egress.allowlist[1].host`) points at the argument the user wrote, not
// only at the helper call. Keyed by object identity: helper results are placed into the app as is.
import type { At } from "./values.js";

interface Origin {
  at: At;
  children: Map<string | number, At>;
}

const origins = new WeakMap<object, Origin>();

/** Records that `value` was written at `at`, and each listed child key at its own place. */
export function recordOrigin<T>(value: T, at: At, children: Iterable<[string | number, At]> = []): T {
  if (at === undefined || value === null || typeof value !== "object") return value;
  const o = origins.get(value) ?? { at, children: new Map() };
  for (const [k, a] of children) if (a !== undefined) o.children.set(k, a);
  origins.set(value, o);
  return value;
}

/**
 * The deepest recorded place along `path` from `root`, with how many segments it covers (so a
 * caller can prefer a deeper mark of its own).
 */
export function originAt(
  root: unknown,
  path: readonly (string | number)[],
): { at: At; depth: number } | undefined {
  let value: unknown = root;
  let found: { at: At; depth: number } | undefined;
  for (let i = 0; i <= path.length; i++) {
    if (value === null || typeof value !== "object") break;
    const o = origins.get(value);
    if (o) found = { at: o.at, depth: i };
    if (i === path.length) break;
    const seg = path[i]!;
    const child = o?.children.get(seg);
    if (child !== undefined) found = { at: child, depth: i + 1 };
    value = (value as Record<string | number, unknown>)[seg];
  }
  return found;
}

/** Gives `to` (a rebuilt copy) the recorded places of `from`, plus `extra` children. */
export function inheritOrigin<T>(to: T, from: unknown, extra: Iterable<[string | number, At]> = []): T {
  const o = from !== null && typeof from === "object" ? origins.get(from) : undefined;
  if (o) recordOrigin(to, o.at, o.children);
  return recordOrigin(to, o?.at, extra);
}

/**
 * Where to point for an IR path: the deeper of a helper's recorded origin and the caller's own mark
 * on the path (`marked` returns the mark for an exact prefix).
 */
export function placeOf(
  root: unknown,
  path: readonly (string | number)[],
  marked: (prefix: readonly (string | number)[]) => At | undefined,
): At | undefined {
  const o = originAt(root, path);
  for (let n = path.length; n >= 0; n--) {
    if (o && o.depth >= n) return o.at;
    const m = marked(path.slice(0, n));
    if (m !== undefined) return m;
  }
  return o?.at;
}
