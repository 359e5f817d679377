// PEP 508 environment markers, evaluated for the guest (not the host): a uv.lock is a universal
// resolution, so which of its packages go into the image depends on the markers of the edges
// that lead to them, evaluated for Debian bookworm's CPython 3.11 on x86_64 Linux.
import { MvmError } from "@mvm/ir/errors";

export type MarkerEnv = Record<string, string>;

/** The guest's marker values. python_full_version is bookworm's python3 (3.11.2). */
export const GUEST_MARKERS: MarkerEnv = {
  os_name: "posix",
  sys_platform: "linux",
  platform_system: "Linux",
  platform_machine: "x86_64",
  platform_python_implementation: "CPython",
  implementation_name: "cpython",
  python_version: "3.11",
  python_full_version: "3.11.2",
  implementation_version: "3.11.2",
  platform_release: "",
  platform_version: "",
};

const VERSION_VARS = new Set(["python_version", "python_full_version", "implementation_version"]);

type Tok = { t: "str" | "var" | "op" | "(" | ")" | "and" | "or"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const re =
    /\s*(?:(\()|(\))|'([^']*)'|"([^"]*)"|(===|==|!=|<=|>=|~=|<|>)|(not\s+in\b)|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new MvmError("E_BUILD_DEPS_FAILED", `cannot parse marker ${JSON.stringify(src)} at ${pos}`);
    pos = re.lastIndex;
    if (m[1]) out.push({ t: "(", v: "(" });
    else if (m[2]) out.push({ t: ")", v: ")" });
    else if (m[3] !== undefined || m[4] !== undefined) out.push({ t: "str", v: m[3] ?? m[4] ?? "" });
    else if (m[5]) out.push({ t: "op", v: m[5] });
    else if (m[6]) out.push({ t: "op", v: "not in" });
    else if (m[7] === "and" || m[7] === "or") out.push({ t: m[7], v: m[7] });
    else if (m[7] === "in") out.push({ t: "op", v: "in" });
    else out.push({ t: "var", v: m[7] ?? "" });
  }
  return out;
}

/** Release segments of a version ("3.11.2" -> [3, 11, 2]); pre/post/dev parts are ignored. */
function release(v: string): number[] {
  return (v.match(/^\s*v?(\d+(?:\.\d+)*)/)?.[1] ?? "0").split(".").map(Number);
}

function cmpRelease(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function compareVersions(lhs: string, op: string, rhs: string): boolean {
  if (rhs.endsWith(".*") && (op === "==" || op === "!=")) {
    const prefix = release(rhs.slice(0, -2));
    const eq = cmpRelease(release(lhs).slice(0, prefix.length), prefix) === 0;
    return op === "==" ? eq : !eq;
  }
  const c = cmpRelease(release(lhs), release(rhs));
  switch (op) {
    case "==":
    case "===":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "~=": {
      // Compatible release: >= rhs and the same release prefix minus its last segment.
      const r = release(rhs);
      const prefix = r.slice(0, Math.max(1, r.length - 1));
      return c >= 0 && cmpRelease(release(lhs).slice(0, prefix.length), prefix) === 0;
    }
  }
  return false;
}

function compare(lhs: Tok, op: string, rhs: Tok, env: MarkerEnv): boolean {
  const val = (t: Tok) => (t.t === "var" ? (env[t.v] ?? "") : t.v);
  const l = val(lhs);
  const r = val(rhs);
  if (op === "in") return r.includes(l);
  if (op === "not in") return !r.includes(l);
  const versionish =
    (lhs.t === "var" && VERSION_VARS.has(lhs.v)) || (rhs.t === "var" && VERSION_VARS.has(rhs.v));
  if (versionish) return compareVersions(l, op, r);
  if (op === "==" || op === "===") return l === r;
  if (op === "!=") return l !== r;
  // Ordering on plain strings is what PEP 508 falls back to.
  return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : op === ">=" ? l >= r : false;
}

/** Evaluates a PEP 508 marker expression; an empty marker is true. */
export function evalMarker(src: string | undefined, env: MarkerEnv = GUEST_MARKERS): boolean {
  if (!src?.trim()) return true;
  const toks = tokenize(src);
  let i = 0;
  const fail = (): never => {
    throw new MvmError("E_BUILD_DEPS_FAILED", `cannot parse marker ${JSON.stringify(src)}`);
  };
  const atom = (): boolean => {
    const t = toks[i++] ?? fail();
    if (t.t === "(") {
      const v = or();
      if (toks[i++]?.t !== ")") fail();
      return v;
    }
    const op = toks[i++];
    const rhs = toks[i++];
    if ((t.t !== "var" && t.t !== "str") || op?.t !== "op" || !rhs || (rhs.t !== "var" && rhs.t !== "str"))
      fail();
    return compare(t, op!.v, rhs!, env);
  };
  const and = (): boolean => {
    let v = atom();
    while (toks[i]?.t === "and") {
      i++;
      v = atom() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (toks[i]?.t === "or") {
      i++;
      v = and() || v;
    }
    return v;
  };
  const v = or();
  if (i !== toks.length) fail();
  return v;
}
