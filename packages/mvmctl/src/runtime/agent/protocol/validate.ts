// Shape checks for everything the guest agent sends (docs/protocol.md). The guest runs code the
// user does not trust, so each message is checked before any field is read: a value of the wrong
// type is a protocol error, never a TypeError or a cast that lies. Each check returns what is
// wrong (for the error message) or undefined.

export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isU32 = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";

/** Standard base64, padded (what the agent writes); anything else is not silently decoded. A flat
 * character class (no repeated group): linear on a 1 MiB string, no backtracking stack. */
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
export const isBase64 = (v: unknown): v is string =>
  typeof v === "string" && v.length % 4 === 0 && B64_RE.test(v);

/** Error kinds are short snake_case words; a longer or stranger kind is not believed. */
const KIND_RE = /^[a-z][a-z0-9_]{0,63}$/;
/** The agent lists at most 4000 entries per fs.list reply. */
export const MAX_LIST_ENTRIES = 4000;
const MAX_CAPABILITIES = 64;

type Check = (m: Obj) => string | undefined;

type FieldSpec = readonly [(v: unknown) => boolean, string, boolean?];

function fields(spec: Record<string, FieldSpec>): Check {
  return (m) => {
    for (const [key, [ok, what, optional]] of Object.entries(spec)) {
      if (!Object.hasOwn(m, key)) {
        if (optional) continue;
        return `"${key}" is missing`;
      }
      if (!ok(m[key])) return `"${key}" is not ${what}`;
    }
    return undefined;
  };
}

const STAT_TYPES = new Set(["file", "dir", "symlink", "other"]);
const statFields: Record<string, FieldSpec> = {
  type: [(v: unknown) => isStr(v) && STAT_TYPES.has(v), "file, dir, symlink or other"],
  size: [(v: unknown) => isInt(v) && (v as number) >= 0, "a size"],
  mode: [isInt, "an integer"],
  mtime_ms: [isNum, "a number"],
};
const checkStat = fields({ ...statFields, target: [isStr, "a string", true] });
const checkEntry = fields({ ...statFields, name: [isStr, "a string"] });

const callReply = fields({ exit_code: [isInt, "an integer"], signal: [isInt, "an integer", true] });

/** The ok:true reply of each op; ops not listed carry nothing the host reads. */
const REPLY_CHECKS: Record<string, Check> = {
  hello: (m) =>
    fields({
      protocol: [isInt, "an integer"],
      agent_version: [isStr, "a string"],
      capabilities: [
        (v) => Array.isArray(v) && v.length <= MAX_CAPABILITIES && v.every(isStr),
        "a list of strings",
      ],
      boot_ms: [isNum, "a number"],
      uptime_ms: [isNum, "a number", true],
      dev: [isBool, "a boolean", true],
      ready: [isBool, "a boolean"],
      ready_error: [isStr, "a string", true],
    })(m),
  ping: fields({ ready: [isBool, "a boolean"], ready_error: [isStr, "a string", true] }),
  invoke: callReply,
  exec: callReply,
  "hooks.run": callReply,
  "fs.read": fields({ data_b64: [isBase64, "base64"], eof: [isBool, "a boolean"] }),
  "fs.write": fields({ written: [(v) => isInt(v) && (v as number) >= 0, "a byte count"] }),
  "fs.list": (m) => {
    const bad = fields({
      entries: [
        (v) => Array.isArray(v) && v.length <= MAX_LIST_ENTRIES,
        `a list of at most ${MAX_LIST_ENTRIES}`,
      ],
      truncated: [isBool, "a boolean"],
    })(m);
    if (bad) return bad;
    for (const e of m.entries as unknown[]) {
      const why = isObject(e) ? checkEntry(e) : "not an object";
      if (why) return `an entry: ${why}`;
    }
    return undefined;
  },
  "fs.stat": checkStat,
  restore: fields({
    entropy: [isStr, "a string"],
    crng_reseeded: [isBool, "a boolean"],
    clock: [isStr, "a string"],
    runners_stopped: [isInt, "an integer"],
    ready: [isBool, "a boolean"],
    ready_error: [isStr, "a string", true],
  }),
  warm: fields({ started: [isBool, "a boolean"], pid: [(v) => isInt(v) && (v as number) > 0, "a pid"] }),
};

/** Checks the envelope every message shares: an object with a u32 id, and an event or a reply. */
export function checkMessage(v: unknown): string | undefined {
  if (!isObject(v))
    return `a message must be a JSON object, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`;
  if (!isU32(v.id)) return '"id" is not a u32';
  if (Object.hasOwn(v, "event")) {
    if (v.event !== "stdout" && v.event !== "stderr")
      return `unknown event ${JSON.stringify(String(v.event).slice(0, 32))}`;
    if (!isBase64(v.data_b64)) return `a ${v.event} event's "data_b64" is not base64`;
    return undefined;
  }
  if (!isBool(v.ok)) return '"ok" is not a boolean';
  if (v.ok === false) {
    const e = v.error;
    if (!isObject(e) || !isStr(e.kind) || !KIND_RE.test(e.kind) || !isStr(e.message)) {
      return 'an error reply needs "error": {kind, message} strings';
    }
  }
  return undefined;
}

/** Checks an ok:true terminal reply against what its op returns. */
export function checkReply(op: string, m: Obj): string | undefined {
  return Object.hasOwn(REPLY_CHECKS, op) ? REPLY_CHECKS[op]!(m) : undefined;
}

/** Guest text shown to the user in an error: bounded, and no control characters reach a terminal. */
export function guestText(s: string, max = 4096): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  const clean = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\ufffd");
  return clean.length > max ? `${clean.slice(0, max)}... (${clean.length - max} more characters)` : clean;
}
