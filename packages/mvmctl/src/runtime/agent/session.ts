// What the runtime needs from the guest agent, in one narrow interface. The wire protocol
// (framing, request ids, error kinds) lives in ./protocol/ (spec/agent-protocol.md); this file
// adapts that client to the calls the verbs make, so up/invoke/exec/fs/down never see frames.
export interface AgentHello {
  protocol: number;
  agent_version: string;
  capabilities: string[];
  boot_ms: number;
  ready: boolean;
  ready_error?: string;
  dev?: boolean;
}

/** The agent's answer to `restore` (docs/protocol.md). */
export interface RestoreReply {
  /** "credited" (RNDADDENTROPY), or "mixed" (written to /dev/urandom without credit). */
  entropy: string;
  crng_reseeded: boolean;
  clock: string;
  runners_stopped: number;
  ready: boolean;
  ready_error?: string;
}

/** The agent's answer to `warm`: the runner's pid, and whether this request started it. */
export interface WarmReply {
  started: boolean;
  pid: number;
}

export interface Readiness {
  ready: boolean;
  ready_error?: string;
}

/** Where a call's output goes while it runs (streamed, never buffered whole here). */
export interface OutputSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface InvokeRequest {
  entrypoint?: string;
  stdin: Buffer;
  timeoutMs: number;
  env: Record<string, string>;
  /** A one-shot runner for this call instead of the entrypoint's warm runner. */
  fresh?: boolean;
}

export interface ExecRequest {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  stdin?: Buffer;
  timeoutMs?: number;
}

export interface AgentSession {
  hello(): Promise<AgentHello>;
  ping(): Promise<Readiness>;
  /** Resolves with the process exit code; agent error replies reject as MvmError. */
  invoke(req: InvokeRequest, sink: OutputSink): Promise<number>;
  exec(req: ExecRequest, sink: OutputSink): Promise<number>;
  hooksRun(phase: string, sink: OutputSink, timeoutMs?: number): Promise<number>;
  /** A whole guest file, read in bounded chunks (protocol/client.ts fsReadFile). */
  readFile(path: string): Promise<Buffer>;
  /** An fs.* op with its arguments; resolves with the reply's fields. */
  fs(op: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  shutdown(graceMs: number): Promise<void>;
  /** After a snapshot restore: reseed the guest RNG, set its clock, stop warm runners. */
  restore(entropy: Buffer, timeMs: number): Promise<RestoreReply>;
  /** Starts an entrypoint's warm runner (default: the primary) ahead of its first call. */
  warm(entrypoint?: string): Promise<WarmReply>;
  close(): void;
}
