// Host side of the guest agent protocol (docs/protocol.md) over any byte stream: the QEMU
// virtio-serial chardev socket, a vsock connection, or a test's pipe to a host-run agent.
// Requests are multiplexed by id, so a long invoke never blocks ping or fs calls.
import { connect as netConnect } from "node:net";
import type { Duplex } from "node:stream";
import { AgentError, fromAgentReply } from "./errors.js";
import { encodeFrame, FrameDecoder, FrameTooLargeError } from "./frame.js";
import { checkMessage, checkReply, type Obj } from "./validate.js";

export const PROTOCOL_VERSION = 1;
/**
 * The agent's per-call cap on stdin, stdout and stderr (IO_CAP, docs/protocol.md). The host
 * enforces it too, on what it sends and on what it accumulates: a guest that streams more than
 * this on one stream is not the agent, and the call ends with payload_cap.
 */
export const STREAM_CAP_BYTES = 16 * 1024 * 1024;
/** Messages that belong to no pending request (id 0, unknown or finished ids) tolerated per connection. */
export const MAX_UNSOLICITED = 64;
/** The agent sends each pipe read as one event of 1..64 KiB (CHUNK in agent/src/agent_state.h). */
export const MAX_EVENT_BYTES = 64 * 1024;
/** How many of the id-0 replies `unattributed` keeps (the rest are counted, not kept). */
const KEEP_UNATTRIBUTED = 16;
/** fs.read chunk the client asks for (the agent's default and maximum). */
export const FS_READ_CHUNK_BYTES = 512 * 1024;
/** Largest file fsReadFile buffers whole; also the bound for files whose size lstat cannot tell. */
export const FS_READ_MAX_BYTES = 256 * 1024 * 1024;
/** The agent's invoke timeout when the request names none (docs/protocol.md "invoke"). */
export const AGENT_DEFAULT_INVOKE_TIMEOUT_MS = 300_000;
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

type Reply = Obj & { id: number; ok?: boolean; event?: string };

type StreamName = "stdout" | "stderr";
/** Receives a call's output; consecutive events of one read are passed as one chunk. */
type OnOutput = (stream: StreamName, data: Buffer) => void;

interface Pending {
  op: string;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
  onEvent?: OnOutput;
  /** Bytes received per stream, against STREAM_CAP_BYTES. */
  seen: { stdout: number; stderr: number };
  timer?: NodeJS.Timeout;
}

/** Events of one socket read, merged per call and stream before they reach a handler. */
interface Run {
  p: Pending;
  stream: StreamName;
  parts: Buffer[];
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
  /** Messages received that no pending request owned; past MAX_UNSOLICITED the channel closes. */
  unsolicited = 0;

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
    this.abort(new AgentError("disconnected", "the client was closed"));
  }

  /** True once the channel failed or was closed; every later request rejects at once. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  async hello(): Promise<HelloReply> {
    const r = await this.request({ op: "hello", protocol: PROTOCOL_VERSION });
    const { id: _id, ok: _ok, ...hello } = r; // shape checked on arrival (validate.ts)
    return hello as unknown as HelloReply;
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
    // Without a timeout the agent still applies its default one; the host waits for that, not forever.
    const deadline = req.timeoutMs ? req.timeoutMs : AGENT_DEFAULT_INVOKE_TIMEOUT_MS;
    const result = await this.streamingCall(args, req.stdin, deadline, handlers);
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

  /** One fs.read; a reply with more data than was asked for is a protocol error. */
  async fsRead(
    path: string,
    opts: { offset?: number; length?: number } = {},
  ): Promise<{ data: Buffer; eof: boolean }> {
    const r = await this.request({ op: "fs.read", path, ...opts });
    const data = Buffer.from(r.data_b64 as string, "base64");
    const asked = Math.min(opts.length || FS_READ_CHUNK_BYTES, FS_READ_CHUNK_BYTES);
    if (data.length > asked) {
      throw this.violation(`fs.read: the agent sent ${data.length} bytes for a read of at most ${asked}`);
    }
    return { data, eof: r.eof === true };
  }

  /**
   * Reads a whole file in chunks, bounded: a regular file is read up to the size the guest's
   * fs.stat claimed (a file that grows meanwhile is read as of that size), anything else (a
   * symlink, /proc, a device) up to FS_READ_MAX_BYTES. A reply that makes no progress, or that
   * goes past the claimed size, is a protocol error: a guest cannot keep the host looping.
   */
  async fsReadFile(path: string, opts: { maxBytes?: number } = {}): Promise<Buffer> {
    const max = opts.maxBytes ?? FS_READ_MAX_BYTES;
    const st = await this.fsStat(path);
    const sized = st.type === "file";
    if (sized && st.size > max) {
      throw new AgentError(
        "payload_cap",
        `fs.read: ${path} is ${st.size} bytes, over the ${max}-byte limit`,
        {
          hint: "read it in parts from the guest, e.g. with `mvmctl exec <name> -- split`",
        },
      );
    }
    const limit = sized ? st.size : max;
    const parts: Buffer[] = [];
    let offset = 0;
    while (offset < limit) {
      const length = Math.min(FS_READ_CHUNK_BYTES, limit - offset);
      const { data, eof } = await this.fsRead(path, { offset, length });
      parts.push(data);
      offset += data.length;
      if (eof) return Buffer.concat(parts);
      if (data.length === 0) throw this.violation("fs.read: the agent replied with no data and no eof");
    }
    if (!sized) {
      // Not at eof after `max` bytes: more than the host will hold.
      const { data, eof } = await this.fsRead(path, { offset, length: 1 });
      if (!eof || data.length > 0) {
        throw new AgentError("payload_cap", `fs.read: ${path} is larger than the ${max}-byte limit`, {
          hint: "read it in parts from the guest, e.g. with `mvmctl exec <name> -- split`",
        });
      }
    }
    return Buffer.concat(parts);
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
      written += r.written as number;
      first = false;
    }
    return written;
  }

  async fsList(path: string): Promise<{ entries: FsEntry[]; truncated: boolean }> {
    const r = await this.request({ op: "fs.list", path });
    return { entries: r.entries as FsEntry[], truncated: r.truncated === true };
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

  /**
   * Sends one request and waits for its terminal reply; `ok:false` rejects with AgentError. With a
   * timeout, a guest that stays silent past it is E_AGENT_NO_REPLY and the channel is closed (a
   * reply that comes later has nobody to go to).
   */
  request(
    msg: Record<string, unknown>,
    timeoutMs: number | undefined = this.requestTimeoutMs,
    onEvent?: OnOutput,
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
      const p: Pending = {
        op,
        resolve,
        reject,
        seen: { stdout: 0, stderr: 0 },
        ...(onEvent ? { onEvent } : {}),
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.abort(new AgentError("no_reply", `${op}: no reply from the agent within ${timeoutMs} ms`));
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

  /** Replies with id 0: the agent could not attribute them to a request (bad frame). The first
   * KEEP_UNATTRIBUTED are kept; all are counted in `unsolicited`. */
  readonly unattributed: Reply[] = [];

  private async streamingCall(
    args: Record<string, unknown>,
    stdin: Buffer | string | undefined,
    callTimeoutMs: number | undefined,
    handlers: StreamHandlers,
  ): Promise<CallResult> {
    const input =
      stdin === undefined ? undefined : typeof stdin === "string" ? Buffer.from(stdin, "utf8") : stdin;
    if (input && input.length > STREAM_CAP_BYTES) {
      throw new AgentError(
        "payload_cap",
        `${String(args.op)}: stdin is ${input.length} bytes, over the ${STREAM_CAP_BYTES}-byte cap`,
      );
    }
    const first = input?.subarray(0, STDIN_CHUNK_BYTES);
    if (first?.length) args.stdin_b64 = first.toString("base64");
    const streamRest = input !== undefined && input.length > STDIN_CHUNK_BYTES;
    if (streamRest) args.stdin_stream = true;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    // Caps are counted in receive(), before anything is kept; chunks here are whole reads.
    const onEvent: OnOutput = (stream, data) => {
      (stream === "stdout" ? stdout : stderr).push(data);
      (stream === "stdout" ? handlers.onStdout : handlers.onStderr)?.(data);
    };
    // No reply deadline without a call timeout: exec and hooks may legitimately run forever.
    // (0, not undefined: request() would read undefined as "the default request timeout".)
    const replyTimeout = callTimeoutMs ? callTimeoutMs + this.callGraceMs : 0;
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
      exitCode: reply.exit_code as number,
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

  /** Everything the guest sends is checked here; nothing it sends can throw out of this handler. */
  private onData(chunk: Buffer): void {
    if (this.closedError) return;
    try {
      this.receive(chunk);
    } catch (err) {
      // An AgentError from the checks, or whatever a caller's output handler threw: either way the
      // pending calls fail with it and the channel closes; it never escapes as an uncaught error.
      this.abort(err instanceof Error ? err : new AgentError("internal", String(err)));
    }
  }

  private receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const why = err instanceof FrameTooLargeError ? err.message : String(err);
      throw new AgentError("protocol_error", `the agent sent a bad frame: ${why}`, { cause: err });
    }
    const runs: Run[] = [];
    try {
      for (const body of frames) {
        if (this.closedError) return;
        this.message(body, runs);
      }
    } finally {
      // Output that arrived before a failure is still delivered, in order, unless the channel closed.
      if (!this.closedError) this.flush(runs);
    }
  }

  private message(body: Buffer, runs: Run[]): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (err) {
      throw new AgentError("protocol_error", "the agent sent a frame that is not JSON", { cause: err });
    }
    const bad = checkMessage(parsed);
    if (bad) throw this.violation(`the agent sent a malformed message: ${bad}`);
    const msg = parsed as Reply;
    const p = this.pending.get(msg.id);
    if (!p) {
      // id 0 (the agent could not attribute a bad frame of ours), or an id nobody waits for.
      this.unsolicited++;
      if (msg.id === 0 && this.unattributed.length < KEEP_UNATTRIBUTED) this.unattributed.push(msg);
      if (this.unsolicited > MAX_UNSOLICITED) {
        throw this.violation(`the agent sent more than ${MAX_UNSOLICITED} messages for no pending request`);
      }
      return;
    }
    if (msg.event !== undefined) {
      if (!p.onEvent) throw this.violation(`${p.op}: the agent sent an output event to a call that has none`);
      const stream = msg.event as StreamName; // checkMessage admits only these two
      const data = Buffer.from(msg.data_b64 as string, "base64");
      if (data.length === 0 || data.length > MAX_EVENT_BYTES) {
        throw this.violation(
          `${p.op}: a ${stream} event of ${data.length} bytes (the agent sends 1-${MAX_EVENT_BYTES})`,
        );
      }
      p.seen[stream] += data.length;
      if (p.seen[stream] > STREAM_CAP_BYTES) {
        // The agent kills a call at the cap; more than that is a guest that does not stop.
        const err = new AgentError(
          "payload_cap",
          `${p.op}: the guest sent more than ${STREAM_CAP_BYTES} bytes of ${stream}; the channel was closed`,
        );
        this.abort(err);
        throw err;
      }
      const last = runs.at(-1);
      if (last && last.p === p && last.stream === stream) last.parts.push(data);
      else runs.push({ p, stream, parts: [data] });
      return;
    }
    if (msg.ok === true) {
      const wrong = checkReply(p.op, msg);
      if (wrong) throw this.violation(`${p.op}: the agent's reply is malformed: ${wrong}`);
    }
    this.flush(runs); // the call's output before its result
    this.pending.delete(msg.id);
    if (p.timer) clearTimeout(p.timer);
    p.resolve(msg);
  }

  private flush(runs: Run[]): void {
    for (const r of runs.splice(0)) {
      r.p.onEvent?.(r.stream, r.parts.length === 1 ? r.parts[0]! : Buffer.concat(r.parts));
    }
  }

  /** A guest that breaks the protocol: the channel is closed, and the error is returned to throw. */
  private violation(message: string): AgentError {
    const err = new AgentError("protocol_error", message);
    this.abort(err);
    return err;
  }

  /** Fails every pending request with `err` and closes the channel: nothing more is read. */
  private abort(err: Error): void {
    this.fail(err);
    this.stream.destroy();
  }

  /** Rejects every pending request with `err`; later requests get an AgentError saying why. */
  private fail(err: Error): void {
    if (!this.closedError) {
      this.closedError =
        err instanceof AgentError
          ? err
          : new AgentError("disconnected", `the agent channel was closed after an error: ${err.message}`, {
              cause: err,
            });
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
