// The one table that maps guest agent error kinds (docs/protocol.md) to mvm error codes. Exit
// codes and hints are the catalogue's (packages/ir/src/catalog/runtime.ts): 124 for an invoke
// timeout, 137 for a crashed wrapper, 1 otherwise (spec/cli.md).
import { type ErrorCode, MvmError } from "@mvm/ir/errors";
import { guestText } from "./validate.js";

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

export const AGENT_ERROR_CODES: Record<AgentErrorKind | ClientErrorKind, ErrorCode> = {
  timeout: "E_INVOKE_TIMEOUT",
  wrapper_crashed: "E_WRAPPER_CRASHED",
  payload_cap: "E_PAYLOAD_CAP",
  busy: "E_AGENT_BUSY",
  not_ready: "E_NOT_READY",
  entrypoint_invalid: "E_ENTRYPOINT_INVALID",
  not_found: "E_GUEST_NOT_FOUND",
  permission_denied: "E_GUEST_PERMISSION_DENIED",
  unsupported: "E_AGENT_UNSUPPORTED",
  protocol_error: "E_AGENT_PROTOCOL",
  internal: "E_AGENT_INTERNAL",
  disconnected: "E_AGENT_DISCONNECTED",
  no_reply: "E_AGENT_NO_REPLY",
};

export interface AgentErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

/**
 * An MvmError that also keeps the agent's own kind (for the protocol tests and `--debug`). An
 * unknown kind comes from a newer agent: its words are kept, and it is classified as internal.
 */
export class AgentError extends MvmError {
  readonly kind: string;

  constructor(kind: string, message: string, opts: AgentErrorOptions = {}) {
    const code = Object.hasOwn(AGENT_ERROR_CODES, kind)
      ? AGENT_ERROR_CODES[kind as AgentErrorKind]
      : AGENT_ERROR_CODES.internal;
    super(code, message, opts);
    this.name = "AgentError";
    this.kind = kind;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), kind: this.kind };
  }
}

/** Builds the error for an agent's `{ok:false, error:{kind, message}}` reply. */
export function fromAgentReply(error: unknown, op: string): AgentError {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    kind?: unknown;
    message?: unknown;
  };
  const kind = typeof e.kind === "string" && /^[a-z][a-z0-9_]{0,63}$/.test(e.kind) ? e.kind : "internal";
  const message =
    typeof e.message === "string" ? guestText(e.message) : "the agent reported an error without a message";
  return new AgentError(kind, `${op}: ${message}`);
}
