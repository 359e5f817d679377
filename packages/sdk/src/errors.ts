// mvm-sdk's error classes. MvmError mirrors @mvm/ir's MvmError field for field (code, message,
// hint, location, path, diagnostics) but is defined here: the SDK runs in guests where only its
// own dist/ exists, so it cannot load @mvm/ir (and zod) just to throw.

export interface Location {
  file: string;
  line?: number;
  column?: number;
  lineText?: string;
}

export interface Diagnostic {
  code: string;
  severity: "error" | "warning";
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
  diagnostics?: Diagnostic[];
}

export class MvmError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly location?: Location;
  readonly path?: string;
  readonly diagnostics: Diagnostic[];

  constructor(code: string, message: string, opts: MvmErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "MvmError";
    this.code = code;
    this.hint = opts.hint;
    this.location = opts.location;
    this.path = opts.path;
    this.diagnostics = opts.diagnostics ?? [];
  }
}

/** MVM_SDK_MODE is not accepted, or a call needs a mode other than the current one. */
export class SdkModeError extends MvmError {
  constructor(message: string, hint?: string) {
    super("E_SDK_MODE", message, {
      hint: hint ?? "set MVM_SDK_MODE to record or live (or leave it unset for record)",
    });
    this.name = "SdkModeError";
  }
}

/** An mvmctl invocation failed in live mode (a workload's own non-zero exit is a result, not this). */
export class LiveError extends MvmError {
  readonly argv: string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  /** The code mvmctl reported (`E_AGENT_UNSUPPORTED`, ...), when its error block could be read. */
  readonly cliCode?: string;
  constructor(argv: string[], exitCode: number | null, stderr: string, cause?: unknown, cliCode?: string) {
    const last =
      stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("hint: "))
        .pop() ?? "";
    super("E_SDK_LIVE", `${argv.join(" ")} failed (exit ${exitCode ?? "none"})${last ? `: ${last}` : ""}`, {
      hint: "run the same mvmctl command yourself to see the full output; MVM_CLI_BIN selects the binary",
      cause,
    });
    this.name = "LiveError";
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.cliCode = cliCode;
  }
}

export class NotFoundError extends MvmError {
  /** `message` replaces the default "<what> was not found", e.g. with mvmctl's own words. */
  constructor(what: string, hint?: string, message?: string) {
    super("E_SDK_NOT_FOUND", message ?? `${what} was not found`, { hint: hint ?? "check the name or path" });
    this.name = "NotFoundError";
  }
}

export class TimeoutError extends MvmError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super("E_SDK_TIMEOUT", `${what} did not finish within ${timeoutMs} ms`, {
      hint: "raise the timeout or make the command finish sooner",
    });
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** The call exists in the API but mvm does not provide it (yet), e.g. sb.snapshot(). */
export class UnsupportedError extends MvmError {
  constructor(what: string, hint: string) {
    super("E_SDK_UNSUPPORTED", `${what} is not supported by this version of mvm`, { hint });
    this.name = "UnsupportedError";
  }
}
