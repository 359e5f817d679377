// mvm-sdk's error classes: the one MvmError of @mvm/ir (from its zod-free "errors" entry, which
// also loads inside guests) and the SDK's typed subclasses.
import { MvmError } from "@mvm/ir/errors";

export { type Diagnostic, type Location, MvmError, type MvmErrorOptions } from "@mvm/ir/errors";

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
  readonly stderr: string;
  /** The code mvmctl reported (`E_AGENT_UNSUPPORTED`, ...), when its error block could be read. */
  readonly cliCode?: string;
  /** `exitCode` (inherited) is mvmctl's exit code (128 + signal when it was killed). */
  constructor(argv: string[], exitCode: number, stderr: string, cause?: unknown, cliCode?: string) {
    const last =
      stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("hint: "))
        .pop() ?? "";
    super("E_SDK_LIVE", `${argv.join(" ")} failed (exit ${exitCode})${last ? `: ${last}` : ""}`, {
      hint: "run the same mvmctl command yourself to see the full output; MVM_CLI_BIN selects the binary",
      cause,
      exitCode,
    });
    this.name = "LiveError";
    this.argv = argv;
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
