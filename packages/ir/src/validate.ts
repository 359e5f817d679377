// Validation of Workload IR from any route: JSON text (with line:col), or a value built by a
// frontend. Reports every problem as {code, path, detail}; returns the workload with defaults filled.
import {
  findNodeAtLocation,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { z } from "zod";
import { isErrorCode } from "./catalog/index.js";
import { type Diagnostic, diagnostic, errorsOf, type Location } from "./errors.js";
import { jsonDepthDiagnostic } from "./json-depth.js";
import { formatPath, type PathSegment } from "./path.js";
import { checkRules } from "./rules.js";
import { MAX_MINOR, SUPPORTED_MAJOR, Workload } from "./schema.js";

export interface ValidationResult {
  /** Present when there is no error (warnings may still be present). */
  workload?: Workload;
  diagnostics: Diagnostic[];
}

/** Maps an IR path to a place in the user's input (a JSON file, a declaration's source). */
export type Locator = (path: readonly PathSegment[]) => Location | undefined;

function checkVersion(v: unknown): Diagnostic[] {
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    return [diagnostic("E_MALFORMED_MANIFEST", ".", "a Workload is a JSON object")];
  }
  const version = (v as Record<string, unknown>).schema_version;
  if (typeof version !== "string" || !/^\d+\.\d+$/.test(version)) {
    return [
      diagnostic(
        "E_MALFORMED_VERSION",
        ".schema_version",
        `schema_version ${JSON.stringify(version ?? null)} is not MAJOR.MINOR`,
      ),
    ];
  }
  const [major, minor] = version.split(".").map(Number) as [number, number];
  if (major !== SUPPORTED_MAJOR) {
    return [
      diagnostic(
        "E_UNSUPPORTED_MAJOR",
        ".schema_version",
        `schema_version ${version}: major ${major} is not supported (this host reads ${SUPPORTED_MAJOR}.x)`,
      ),
    ];
  }
  if (minor > MAX_MINOR) {
    return [
      diagnostic(
        "E_MINOR_TOO_HIGH",
        ".schema_version",
        `schema_version ${version} is newer than ${SUPPORTED_MAJOR}.${MAX_MINOR}`,
      ),
    ];
  }
  return [];
}

/** What JSON value sits at `path` in `root`, if any: `present` is false when a key is absent. */
function valueAt(root: unknown, path: (string | number)[]): { present: boolean; value?: unknown } {
  let node: unknown = root;
  for (const seg of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, seg)) return { present: false };
    node = (node as Record<string | number, unknown>)[seg];
  }
  return { present: true, value: node };
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "number" && !Number.isInteger(v)) return "a non-integer number";
  return `a ${typeof v}`;
}

/**
 * Our words for a zod issue, decided by the issue's kind and fields, never by zod's message text
 * (which changes between zod releases and is not written for mvm users).
 */
function issueDetail(issue: z.core.$ZodIssue, root: unknown, path: (string | number)[]): string {
  switch (issue.code) {
    case "invalid_type": {
      const at = valueAt(root, path);
      // An own key holding undefined is absent too: JSON has no undefined, and SDK objects do.
      if (!at.present || at.value === undefined) return `missing required field (${issue.expected})`;
      return `expected ${issue.expected}, got ${jsonType(at.value)}`;
    }
    case "too_small":
      return issue.origin === "string" || issue.origin === "array"
        ? `must have at least ${String(issue.minimum)} ${issue.origin === "string" ? "characters" : "items"}`
        : `must be ${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "string" || issue.origin === "array"
        ? `must have at most ${String(issue.maximum)} ${issue.origin === "string" ? "characters" : "items"}`
        : `must be ${issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex" && "pattern" in issue && issue.pattern
        ? `does not match ${String(issue.pattern)}`
        : `is not a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "invalid_union":
      return "matches none of the allowed shapes";
    case "invalid_key":
      return "has an invalid key";
    case "invalid_element":
      return "has an invalid element";
    default:
      // custom issues carry messages written in schema.ts.
      return issue.message;
  }
}

function issueDiagnostics(issue: z.core.$ZodIssue, root: unknown): Diagnostic[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) =>
      diagnostic(
        "E_UNKNOWN_FIELD",
        formatPath([...path, k]),
        `unknown field ${JSON.stringify(k)} in ${formatPath(path)}`,
      ),
    );
  }
  if (
    issue.code === "custom" &&
    typeof issue.params?.mvmCode === "string" &&
    isErrorCode(issue.params.mvmCode)
  ) {
    return [diagnostic(issue.params.mvmCode, formatPath(path), issue.message)];
  }
  if (issue.code === "invalid_union" && (issue as { discriminator?: string }).discriminator !== undefined) {
    const at = path[path.length - 1] === "kind" ? path : [...path, "kind"];
    return [diagnostic("E_MALFORMED_MANIFEST", formatPath(at), `unknown or missing "kind"`)];
  }
  return [diagnostic("E_MALFORMED_MANIFEST", formatPath(path), issueDetail(issue, root, path))];
}

/** A deep copy of `value` with a valid placeholder id at each issue's path. */
function withValidIds(value: unknown, issues: z.core.$ZodIssue[]): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    let node: Record<string | number, unknown> = copy;
    for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
    const last = path.at(-1);
    if (last !== undefined && node && typeof node === "object") node[last] = "x";
  }
  return copy;
}

/** Validates an already-parsed JSON value. Never throws for bad input. */
export function validateWorkload(value: unknown, locate?: Locator): ValidationResult {
  const attach = (ds: Diagnostic[]): Diagnostic[] =>
    locate
      ? ds.map((d) => {
          if (d.location || d.path === undefined) return d;
          const loc = locate(parsePath(d.path));
          return loc ? { ...d, location: loc } : d;
        })
      : ds;
  const versionProblems = checkVersion(value);
  if (versionProblems.length > 0) return { diagnostics: attach(versionProblems) };
  const parsed = Workload.safeParse(value, { reportInput: false });
  if (!parsed.success) {
    const shape = parsed.error.issues.flatMap((i) => issueDiagnostics(i, value));
    // An invalid id is not a shape problem: the rest of the document can still be checked, so a
    // bad name does not hide (say) a wildcard egress grant. Re-parse with placeholders at those
    // paths and run the rules too; any other shape problem stops here, as rules need the shape.
    if (!shape.every((d) => d.code === "E_INVALID_ID")) return { diagnostics: attach(shape) };
    const patched = withValidIds(value, parsed.error.issues);
    const again = Workload.safeParse(patched, { reportInput: false });
    const rules = again.success ? checkRules(again.data) : [];
    return { diagnostics: attach([...shape, ...rules]) };
  }
  const diagnostics = attach(checkRules(parsed.data));
  return errorsOf(diagnostics).length > 0 ? { diagnostics } : { workload: parsed.data, diagnostics };
}

/** Inverse of formatPath, for locators. */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/** 1-based line and column of an offset in text. */
export function lineCol(text: string, offset: number): { line: number; column: number; lineText: string } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  const end = text.indexOf("\n", start);
  return { line, column: offset - start + 1, lineText: text.slice(start, end === -1 ? undefined : end) };
}

/** A locator over JSON text: points at the value at a path, or its nearest existing parent. */
export function jsonLocator(text: string, file: string, root: Node): Locator {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
      if (node) {
        // For a missing/unknown key, point at the key itself when it exists.
        const at = node.parent?.type === "property" && n === path.length ? node.parent.offset : node.offset;
        const lc = lineCol(text, at);
        return { file, ...lc };
      }
    }
    return undefined;
  };
}

/** Parses and validates IR JSON text. Syntax errors carry file:line:col. */
export function validateWorkloadText(text: string, file: string): ValidationResult {
  const tooDeep = jsonDepthDiagnostic(text, file);
  if (tooDeep) return { diagnostics: [tooDeep] };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  if (errors.length > 0 || !root) {
    // The parser's recovery often reports two errors at one place (e.g. PropertyNameExpected and
    // ValueExpected for a trailing comma); one per place is enough.
    const firstAt = errors.filter((e, i) => errors.findIndex((f) => f.offset === e.offset) === i);
    const diagnostics = (
      firstAt.length ? firstAt : [{ error: 1, offset: 0, length: 0 } as unknown as ParseError]
    ).map((e) => {
      const lc = lineCol(text, e.offset);
      const what = errors.length ? printParseErrorCode(e.error) : "EmptyContent";
      return diagnostic(
        "E_MALFORMED_MANIFEST",
        undefined,
        `invalid JSON: ${what} at ${file}:${lc.line}:${lc.column}`,
        {
          location: { file, ...lc },
          hint: "fix the JSON syntax at the position shown",
        },
      );
    });
    return { diagnostics };
  }
  return validateWorkload(getNodeValue(root), jsonLocator(text, file, root));
}
