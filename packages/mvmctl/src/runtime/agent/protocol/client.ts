// Host side of the guest agent protocol (docs/protocol.md) over any byte stream: the QEMU
// virtio-serial chardev socket, a vsock connection, or a test's pipe to a host-run agent.
// Requests are multiplexed by id, so a long invoke never blocks ping or fs calls.
import { connect as netConnect } from "node:net";
import type { Duplex } from "node:stream";
import { AgentError, fromAgentReply } from "./errors.js";
import { encodeFrame, FrameDecoder, FrameTooLargeError } from "./frame.js";

export const PROTOCOL_VERSION = 1;
/** Largest stdin sent inline with invoke/exec; the rest follows in invoke.stdin frames. */
export const STDIN_CHUNK_BYTES = 512 * 1024;
/** Largest fs.write chunk (base64 grows it by 4/3; the frame cap is 1 MiB). */
export const FS_WRITE_CHUNK_BYTES = 512 * 1024;

export interface HelloReply {
  protocol: number;
  agent_version: string;
  capabilities: string[];
  boot_ms: number;
  uptime_ms?: number;
  dev?: boolean;
  ready: boolean;
  ready_error?: string;
}

export interface Readiness {
  ready: boolean;
  ready_error?: string;
}

export interface StreamHandlers {
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface InvokeRequest {
  /** Entrypoint name; the image's primary when omitted. */
  entrypoint?: string;
  /** `[args, kwargs]` JSON, as bytes or text. */
  stdin?: Buffer | string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** A one-shot runner process for this call instead of the entrypoint's warm runner. */
  fresh?: boolean;
}

/** The runner's error line (docs/protocol.md "Invoke semantics"). */
export interface Envelope {
  kind: string;
  message: string;
  error_id?: string;
}

export interface CallResult {
  exitCode: number;
  /** Set when a process ended by a signal (exec and hooks; invoke reports wrapper_crashed). */
  signal?: number;
  stdout: Buffer;
  stderr: Buffer;
  /** invoke only: the runner's MVM_ENVELOPE line, when it wrote one. */
  envelope?: Envelope;
}

export interface ExecRequest {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  stdin?: Buffer | string;
  timeoutMs?: number;
}

export interface FsEntryStat {
  type: "file" | "dir" | "symlink" | "other";
  size: number;
  mode: number;
  mtime_ms: number;
  target?: string;
}

export interface FsEntry extends FsEntryStat {
  name: string;
}

export interface AgentClientOptions {
  /** How long a non-streaming request may wait for its reply. */
  requestTimeoutMs?: number;
  /** Extra wait beyond a call's own timeout for the agent's terminal reply (kill grace etc.). */
  callGraceMs?: number;
}

type Reply = Record<string, unknown> & { id: number; ok?: boolean; event?: string };

interface Pending {
  op: string;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
  onEvent?: (event: Reply) => void;
  timer?: NodeJS.Timeout;
}

const ENVELOPE_PREFIX = "MVM_ENVELOPE: ";

/** Finds the last MVM_ENVELOPE line in a runner's stderr. */
export function parseEnvelope(stderr: Buffer): Envelope | undefined {
  const text = stderr.toString("utf8");
  const at = text.lastIndexOf(ENVELOPE_PREFIX);
  if (at < 0 || (at > 0 && text[at - 1] !== "\n")) return undefined;
  const end = text.indexOf("\n", at);
  try {
    const v = JSON.parse(text.slice(at + ENVELOPE_PREFIX.length, end < 0 ? undefined : end)) as Envelope;
    return typeof v?.kind === "string" && typeof v.message === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export class AgentClient {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedError: AgentError | undefined;
  private readonly requestTimeoutMs: number;
  private readonly callGraceMs: number;

  constructor(
    private readonly stream: Duplex,
    opts: AgentClientOptions = {},
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.callGraceMs = opts.callGraceMs ?? 10_000;
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("error", (err) =>
      this.fail(new AgentError("disconnected", `agent channel error: ${err.message}`, { cause: err })),
    );
    stream.on("close", () => this.fail(new AgentError("disconnected", "the agent channel closed")));
    stream.on("end", () => this.fail(new AgentError("disconnected", "the agent channel closed")));
  }

  /** Connects to a unix socket (the QEMU chardev of the `mvm.agent` port, or a test agent). */
  static connect(path: string, opts: AgentClientOptions = {}): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const sock = netConnect(path);
      sock.once("connect", () => {
        sock.removeListener("error", reject);
        resolve(new AgentClient(sock, opts));
      });
      sock.once("error", (err) =>
        reject(
          new AgentError("disconnected", `cannot connect to the agent at ${path}: ${err.message}`, {
            cause: err,
          }),
        ),
      );
    });
  }

  close(): void {
    this.fail(new AgentError("disconnected", "the client was closed"));
    this.stream.destroy();
  }

  async hello(): Promise<HelloReply> {
    const r = await this.request({ op: "hello", protocol: PROTOCOL_VERSION });
    return r as unknown as HelloReply;
  }

  async ping(): Promise<Readiness> {
    const r = await this.request({ op: "ping" });
    return {
      ready: r.ready === true,
      ...(typeof r.ready_error === "string" ? { ready_error: r.ready_error } : {}),
    };
  }

  /**
   * Calls a function entrypoint. Resolves with the runner's exit code and output (a user
   * exception is exit code 1 with `envelope` set); agent-side failures (timeout, crash, caps,
   * not ready...) reject with AgentError.
   */
  async invoke(req: InvokeRequest, handlers: StreamHandlers = {}): Promise<CallResult> {
    const args: Record<string, unknown> = { op: "invoke" };
    if (req.entrypoint !== undefined) args.entrypoint = req.entrypoint;
    if (req.timeoutMs !== undefined) args.timeout_ms = req.timeoutMs;
    if (req.env) args.env = req.env;
    if (req.fresh) args.fresh = true;
    const result = await this.streamingCall(args, req.stdin, req.timeoutMs, handlers);
    const envelope = result.exitCode !== 0 ? parseEnvelope(result.stderr) : undefined;
    return envelope ? { ...result, envelope } : result;
  }

  /** Runs a command in the guest (dev images only; others reply `unsupported`). */
  exec(req: ExecRequest, handlers: StreamHandlers = {}): Promise<CallResult> {
    const args: Record<string, unknown> = { op: "exec", argv: req.argv };
    if (req.env) args.env = req.env;
    if (req.cwd) args.cwd = req.cwd;
    if (req.timeoutMs !== undefined) args.timeout_ms = req.timeoutMs;
    return this.streamingCall(args, req.stdin, req.timeoutMs, handlers);
  }

  /** Runs /etc/mvm/hooks/<phase>.sh in the guest. */
  hooksRun(phase: string, handlers: StreamHandlers = {}, timeoutMs?: number): Promise<CallResult> {
    const args: Record<string, unknown> = { op: "hooks.run", phase };
    if (timeoutMs !== undefined) args.timeout_ms = timeoutMs;
    return this.streamingCall(args, undefined, timeoutMs, handlers);
  }

  /** Asks the guest to run before_stop, sync and power off. Resolves once the agent agreed. */
  async shutdown(graceMs?: number): Promise<void> {
    await this.request(
      graceMs === undefined ? { op: "shutdown" } : { op: "shutdown", grace_ms: graceMs },
      (graceMs ?? 10_000) + this.requestTimeoutMs,
    );
  }

  async fsRead(
    path: string,
    opts: { offset?: number; length?: number } = {},
  ): Promise<{ data: Buffer; eof: boolean }> {
    const r = await this.request({ op: "fs.read", path, ...opts });
    return { data: Buffer.from(String(r.data_b64 ?? ""), "base64"), eof: r.eof === true };
  }

  /** Reads a whole file in chunks. */
  async fsReadFile(path: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const { data, eof } = await this.fsRead(path, { offset });
      parts.push(data);
      offset += data.length;
      if (eof || data.length === 0) return Buffer.concat(parts);
    }
  }

  /** Writes data (chunked to fit frames: the first chunk truncates or appends, the rest append). */
  async fsWrite(
    path: string,
    data: Buffer | string,
    opts: { mode?: number; append?: boolean; createParents?: boolean } = {},
  ): Promise<number> {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let written = 0;
    let first = true;
    for (let off = 0; first || off < buf.length; off += FS_WRITE_CHUNK_BYTES) {
      const chunk = buf.subarray(off, off + FS_WRITE_CHUNK_BYTES);
      const msg: Record<string, unknown> = {
        op: "fs.write",
        path,
        data_b64: chunk.toString("base64"),
        append: first ? opts.append === true : true,
      };
      if (opts.mode !== undefined) msg.mode = opts.mode;
      if (opts.createParents) msg.create_parents = true;
      const r = await this.request(msg);
      written += Number(r.written ?? 0);
      first = false;
    }
    return written;
  }

  async fsList(path: string): Promise<{ entries: FsEntry[]; truncated: boolean }> {
    const r = await this.request({ op: "fs.list", path });
    return { entries: (r.entries ?? []) as FsEntry[], truncated: r.truncated === true };
  }

  async fsStat(path: string): Promise<FsEntryStat> {
    const r = await this.request({ op: "fs.stat", path });
    const { id: _id, ok: _ok, ...stat } = r;
    return stat as unknown as FsEntryStat;
  }

  async fsMkdir(path: string, opts: { parents?: boolean; mode?: number } = {}): Promise<void> {
    await this.request({ op: "fs.mkdir", path, ...opts });
  }

  async fsRemove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.request({ op: "fs.remove", path, ...opts });
  }

  async fsMove(from: string, to: string): Promise<void> {
    await this.request({ op: "fs.move", from, to });
  }

  /** Sends one request and waits for its terminal reply; `ok:false` rejects with AgentError. */
  request(
    msg: Record<string, unknown>,
    timeoutMs: number | undefined = this.requestTimeoutMs,
    onEvent?: (e: Reply) => void,
  ): Promise<Reply> {
    const op = String(msg.op);
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.allocId();
    let frame: Buffer;
    try {
      frame = encodeFrame({ id, ...msg });
    } catch (err) {
      return Promise.reject(
        new AgentError("payload_cap", `${op}: the request is larger than the 1 MiB frame limit`, {
          cause: err,
        }),
      );
    }
    return new Promise<Reply>((resolve, reject) => {
      const p: Pending = { op, resolve, reject, ...(onEvent ? { onEvent } : {}) };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new AgentError("no_reply", `${op}: no reply from the agent within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(id, p);
      this.stream.write(frame);
    }).then((reply) => {
      if (reply.ok === true) return reply;
      throw fromAgentReply(reply.error, op);
    });
  }

  /** Sends a raw frame (tests of the agent's framing limits). */
  writeRaw(bytes: Buffer): void {
    this.stream.write(bytes);
  }

  /** Replies with id 0: the agent could not attribute them to a request (bad frame). */
  readonly unattributed: Reply[] = [];

  private async streamingCall(
    args: Record<string, unknown>,
    stdin: Buffer | string | undefined,
    callTimeoutMs: number | undefined,
    handlers: StreamHandlers,
  ): Promise<CallResult> {
    const input =
      stdin === undefined ? undefined : typeof stdin === "string" ? Buffer.from(stdin, "utf8") : stdin;
    const first = input?.subarray(0, STDIN_CHUNK_BYTES);
    if (first?.length) args.stdin_b64 = first.toString("base64");
    const streamRest = input !== undefined && input.length > STDIN_CHUNK_BYTES;
    if (streamRest) args.stdin_stream = true;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const onEvent = (e: Reply) => {
      const data = Buffer.from(String(e.data_b64 ?? ""), "base64");
      if (e.event === "stdout") {
        stdout.push(data);
        handlers.onStdout?.(data);
      } else if (e.event === "stderr") {
        stderr.push(data);
        handlers.onStderr?.(data);
      }
    };
    // No reply deadline without a call timeout: exec and hooks may legitimately run forever.
    const replyTimeout = callTimeoutMs ? callTimeoutMs + this.callGraceMs : undefined;
    const id = this.nextId; // the id request() is about to take
    const done = this.request(args, replyTimeout, onEvent);
    if (streamRest && input) {
      for (let off = STDIN_CHUNK_BYTES; off < input.length; off += STDIN_CHUNK_BYTES) {
        const chunk = input.subarray(off, off + STDIN_CHUNK_BYTES);
        this.stream.write(
          encodeFrame({
            id,
            op: "invoke.stdin",
            data_b64: chunk.toString("base64"),
            eof: off + STDIN_CHUNK_BYTES >= input.length,
          }),
        );
      }
    }
    const reply = await done;
    return {
      exitCode: Number(reply.exit_code),
      ...(typeof reply.signal === "number" ? { signal: reply.signal } : {}),
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr),
    };
  }

  private allocId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return id;
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const why = err instanceof FrameTooLargeError ? err.message : String(err);
      this.fail(new AgentError("protocol_error", `the agent sent a bad frame: ${why}`, { cause: err }));
      this.stream.destroy();
      return;
    }
    for (const body of frames) {
      let msg: Reply;
      try {
        msg = JSON.parse(body.toString("utf8")) as Reply;
      } catch (err) {
        this.fail(
          new AgentError("protocol_error", "the agent sent a frame that is not JSON", { cause: err }),
        );
        this.stream.destroy();
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) {
        if (msg.id === 0) this.unattributed.push(msg);
        continue; // a late reply to a request that already timed out
      }
      if (typeof msg.event === "string") {
        p.onEvent?.(msg);
        continue;
      }
      this.pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      p.resolve(msg);
    }
  }

  private fail(err: AgentError): void {
    if (!this.closedError) this.closedError = err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
