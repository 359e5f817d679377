// Connects to an instance's agent socket and adapts the protocol client (./protocol/, owned with
// the agent) to AgentSession, and waits for the socket while QEMU starts. The client's errors are
// already MvmErrors (AgentError), so they reach the CLI funnel as they are.
import { MvmError } from "@mvm/ir/errors";
import { sleep } from "../proc.js";
import { AgentClient } from "./protocol/index.js";
import type { AgentSession, OutputSink, RestoreReply, WarmReply } from "./session.js";

export interface ConnectOptions {
  /** Epoch ms after which connecting (and a first hello) gives up. */
  deadline: number;
  /** False once the VM process is gone: stop waiting at once. */
  alive: () => boolean;
}

function handlers(sink: OutputSink) {
  return { onStdout: (b: Buffer) => sink.stdout(b), onStderr: (b: Buffer) => sink.stderr(b) };
}

class ClientSession implements AgentSession {
  constructor(private readonly client: AgentClient) {}
  hello() {
    return this.client.hello();
  }
  ping() {
    return this.client.ping();
  }
  async invoke(req: Parameters<AgentSession["invoke"]>[0], sink: OutputSink): Promise<number> {
    const r = await this.client.invoke(
      {
        entrypoint: req.entrypoint,
        stdin: req.stdin,
        timeoutMs: req.timeoutMs,
        env: req.env,
        fresh: req.fresh,
      },
      handlers(sink),
    );
    return r.exitCode;
  }
  async exec(req: Parameters<AgentSession["exec"]>[0], sink: OutputSink): Promise<number> {
    const r = await this.client.exec(req, handlers(sink));
    // A command killed by a signal exits like a shell reports it: 128 + signal.
    return r.signal ? 128 + r.signal : r.exitCode;
  }
  async hooksRun(phase: string, sink: OutputSink, timeoutMs?: number): Promise<number> {
    const r = await this.client.hooksRun(phase, handlers(sink), timeoutMs);
    return r.signal ? 128 + r.signal : r.exitCode;
  }
  readFile(path: string): Promise<Buffer> {
    return this.client.fsReadFile(path);
  }
  async fs(op: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { id: _id, ok: _ok, ...fields } = await this.client.request({ op, ...args });
    return fields;
  }
  shutdown(graceMs: number) {
    return this.client.shutdown(graceMs);
  }
  async restore(entropy: Buffer, timeMs: number): Promise<RestoreReply> {
    const r = await this.client.request({
      op: "restore",
      entropy_b64: entropy.toString("base64"),
      time_ms: timeMs,
    });
    const { id: _id, ok: _ok, ...fields } = r; // shape checked on arrival (validate.ts)
    return fields as unknown as RestoreReply;
  }
  async warm(entrypoint?: string): Promise<WarmReply> {
    const r = await this.client.request({ op: "warm", ...(entrypoint ? { entrypoint } : {}) });
    return { started: r.started as boolean, pid: r.pid as number }; // shape checked on arrival
  }
  close() {
    this.client.close();
  }
}

/**
 * Connects, retrying while QEMU has not created the socket yet. The first request on a fresh VM
 * may wait for the whole guest boot (QEMU holds the bytes until the agent opens its port), so
 * the request timeout runs to the deadline.
 */
export async function connectAgent(socketPath: string, o: ConnectOptions): Promise<AgentSession> {
  let last: unknown;
  while (Date.now() < o.deadline) {
    if (!o.alive()) throw new MvmError("E_BOOT_FAILED", "the VM exited before its agent could be reached");
    try {
      const client = await AgentClient.connect(socketPath, {
        requestTimeoutMs: Math.max(5_000, o.deadline - Date.now()),
      });
      return new ClientSession(client);
    } catch (e) {
      last = e;
      await sleep(50);
    }
  }
  throw new MvmError("E_BOOT_FAILED", `could not connect to the agent socket ${socketPath}`, {
    hint: "see `mvmctl logs <name>` for the guest console",
    cause: last,
  });
}
