// The one table that maps guest agent error kinds (docs/protocol.md) to mvm error codes and
// exit codes (spec/cli.md: 124 invoke timeout, 137 wrapper crashed, 1 otherwise).
//
// AgentError has the shape of MvmError (packages/ir/src/errors.ts: code, message, hint, cause,
// exitCode). It is defined here because @mvm/ir does not yet export MvmError from a built entry
// point; when it does, AgentError should become `class AgentError extends MvmError`.

export type AgentErrorKind =
  | "timeout"
  | "payload_cap"
  | "busy"
  | "not_ready"
  | "wrapper_crashed"
  | "entrypoint_invalid"
  | "not_found"
  | "permission_denied"
  | "unsupported"
  | "protocol_error"
  | "internal";

/** Failures of the channel itself, detected on the host side. */
export type ClientErrorKind = "disconnected" | "no_reply";

interface Row {
  code: string;
  exit: number;
  hint: string;
}

export const AGENT_ERROR_TABLE: Record<AgentErrorKind | ClientErrorKind, Row> = {
  timeout: {
    code: "E_INVOKE_TIMEOUT",
    exit: 124,
    hint: "raise the timeout (--timeout) or make the function faster",
  },
  wrapper_crashed: {
    code: "E_WRAPPER_CRASHED",
    exit: 137,
    hint: "the runner died from a signal (out of memory?); check `mvmctl logs` and the VM's memory_mb",
  },
  payload_cap: {
    code: "E_PAYLOAD_CAP",
    exit: 1,
    hint: "stdin, stdout and stderr are capped at 16 MiB per call; pass large data through files",
  },
  busy: {
    code: "E_AGENT_BUSY",
    exit: 1,
    hint: "another call is running in this instance; retry when it finishes",
  },
  not_ready: {
    code: "E_NOT_READY",
    exit: 1,
    hint: "the after_start hook has not succeeded; see its output with `mvmctl logs`",
  },
  entrypoint_invalid: {
    code: "E_ENTRYPOINT_INVALID",
    exit: 1,
    hint: "check the entrypoint name and rebuild the image (`mvmctl build`)",
  },
  not_found: { code: "E_GUEST_NOT_FOUND", exit: 1, hint: "check the path inside the guest" },
  permission_denied: {
    code: "E_GUEST_PERMISSION_DENIED",
    exit: 1,
    hint: "the guest refused the operation; the root filesystem is read-only below its tmpfs overlay",
  },
  unsupported: {
    code: "E_AGENT_UNSUPPORTED",
    exit: 1,
    hint: "this image's agent does not offer that operation (exec needs a dev image: build without --production)",
  },
  protocol_error: {
    code: "E_AGENT_PROTOCOL",
    exit: 1,
    hint: "the host and guest agent disagree about the protocol; rebuild the image with this mvmctl",
  },
  internal: { code: "E_AGENT_INTERNAL", exit: 1, hint: "see the guest console log (`mvmctl logs`)" },
  disconnected: {
    code: "E_AGENT_DISCONNECTED",
    exit: 1,
    hint: "the guest agent channel closed; is the instance still running? (`mvmctl ps`)",
  },
  no_reply: {
    code: "E_AGENT_NO_REPLY",
    exit: 1,
    hint: "the guest agent did not answer in time; see the console log (`mvmctl logs`)",
  },
};

export interface AgentErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

export class AgentError extends Error {
  readonly code: string;
  readonly kind: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(kind: string, message: string, opts: AgentErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AgentError";
    const row = (AGENT_ERROR_TABLE as Record<string, Row | undefined>)[kind];
    // An unknown kind comes from a newer agent: keep its words, classify it as internal.
    this.kind = kind;
    this.code = row?.code ?? AGENT_ERROR_TABLE.internal.code;
    this.hint = opts.hint ?? row?.hint;
    this.exitCode = opts.exitCode ?? row?.exit ?? 1;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}

/** Builds the error for an agent's `{ok:false, error:{kind, message}}` reply. */
export function fromAgentReply(error: unknown, op: string): AgentError {
  const e = (error ?? {}) as { kind?: unknown; message?: unknown };
  const kind = typeof e.kind === "string" ? e.kind : "internal";
  const message = typeof e.message === "string" ? e.message : "the agent reported an error without a message";
  return new AgentError(kind, `${op}: ${message}`);
}
