// The one error class of mvm. Every user-facing failure is an MvmError with a stable code from
// the catalogue (./catalog); only the CLI's error funnel turns it into text and an exit code.
import { catalogEntry, type ErrorCode } from "./catalog/index.js";

/** Where in the user's input a problem is (esbuild-style). Lines and columns are 1-based. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
  /** The source line, for a caret display. */
  lineText?: string;
}

export type Severity = "error" | "warning";

/** One problem found in an input. `path` is a jq-like IR path such as `.apps[0].name`. */
export interface Diagnostic {
  code: ErrorCode;
  severity: Severity;
  path?: string;
  detail: string;
  hint?: string;
  location?: Location;
}

export interface MvmErrorOptions {
  hint?: string;
  cause?: unknown;
  location?: Location;
  path?: string;
  /** All problems when one error stands for several (validation, static compile). */
  diagnostics?: Diagnostic[];
  /** Overrides the catalogue's exit code (e.g. the runner's own exit code). */
  exitCode?: number;
}

export class MvmError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly location?: Location;
  readonly path?: string;
  readonly diagnostics: Diagnostic[];
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, opts: MvmErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "MvmError";
    this.code = code;
    const row = catalogEntry(code);
    this.hint = opts.hint ?? row?.hint;
    this.location = opts.location;
    this.path = opts.path;
    this.diagnostics = opts.diagnostics ?? [];
    this.exitCode = opts.exitCode ?? row?.exit ?? 1;
  }

  /** A plain object for `--json` output. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.path ? { path: this.path } : {}),
      ...(this.location ? { location: this.location } : {}),
      ...(this.diagnostics.length ? { diagnostics: this.diagnostics } : {}),
    };
  }
}

export function isMvmError(e: unknown): e is MvmError {
  return e instanceof MvmError;
}

/** Builds a diagnostic whose hint defaults to the catalogue's. */
export function diagnostic(
  code: ErrorCode,
  path: string | undefined,
  detail: string,
  extra: Partial<Diagnostic> = {},
): Diagnostic {
  const row = catalogEntry(code);
  return {
    code,
    severity: extra.severity ?? row?.severity ?? "error",
    ...(path !== undefined ? { path } : {}),
    detail,
    ...((extra.hint ?? row?.hint) ? { hint: extra.hint ?? row?.hint } : {}),
    ...(extra.location ? { location: extra.location } : {}),
  };
}

export function errorsOf(diags: Diagnostic[]): Diagnostic[] {
  return diags.filter((d) => d.severity === "error");
}
