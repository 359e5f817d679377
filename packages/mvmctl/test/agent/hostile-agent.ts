// A fake guest agent for adversarial tests of the host client: it listens on a unix socket (like
// the chardev socket QEMU exposes for the `mvm.agent` port), decodes the host's requests with the
// real frame format, and lets a test script answer with anything at all: malformed frames, wrong
// types, floods, silence. Writes respect backpressure, so the fake agent's own memory stays flat
// and what a test measures is the client's.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient, type AgentClientOptions } from "../../src/runtime/agent/protocol/client.js";
import { encodeRawFrame, FrameDecoder } from "../../src/runtime/agent/protocol/frame.js";

export type Msg = Record<string, unknown> & { id: number; op: string };

export interface FakeConn {
  /** The next request the host sent (waits for it). */
  next(): Promise<Msg>;
  /** Sends any JSON value as one frame (no size check: the test decides). */
  send(value: unknown): Promise<void>;
  /** Sends raw bytes (a lying length prefix, half a frame...). */
  sendRaw(bytes: Buffer): Promise<void>;
  /** Sends `frame` until the host closes the channel or `max` copies went out; resolves with the count. */
  flood(frame: Buffer, max?: number): Promise<number>;
  /** True once the host closed the connection. */
  readonly closed: boolean;
}

/** One frame holding `value` as JSON. */
export function frame(value: unknown): Buffer {
  return encodeRawFrame(Buffer.from(JSON.stringify(value), "utf8"));
}

export interface HostileAgent {
  client: AgentClient;
  /** Settles when the script returns (or throws). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts a fake agent that runs `script` on the host's connection, and connects a client to it. */
export async function hostileAgent(
  script: (c: FakeConn) => Promise<void>,
  opts: AgentClientOptions = {},
): Promise<HostileAgent> {
  const dir = mkdtempSync(join(tmpdir(), "mvm-hostile-"));
  const path = join(dir, "agent.sock");
  let resolveDone: () => void = () => undefined;
  let rejectDone: (e: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => undefined); // a test that cares awaits it
  let conn: Socket | undefined;
  const server = createServer((sock) => {
    conn = sock;
    server.close(); // one host, like the agent
    let closed = false;
    sock.on("close", () => {
      closed = true;
      for (const w of waiters.splice(0)) w.reject(new Error("host closed"));
    });
    sock.on("error", () => undefined);
    const decoder = new FrameDecoder();
    const queue: Msg[] = [];
    const waiters: { resolve: (m: Msg) => void; reject: (e: Error) => void }[] = [];
    sock.on("data", (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        const m = JSON.parse(body.toString("utf8")) as Msg;
        const w = waiters.shift();
        if (w) w.resolve(m);
        else queue.push(m);
      }
    });
    const write = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        if (closed || sock.destroyed) return resolve();
        if (sock.write(bytes)) resolve();
        else {
          const go = () => {
            sock.off("drain", go);
            sock.off("close", go);
            resolve();
          };
          sock.on("drain", go);
          sock.on("close", go);
        }
      });
    const c: FakeConn = {
      next: () =>
        new Promise<Msg>((resolve, reject) => {
          const m = queue.shift();
          if (m) resolve(m);
          else if (closed) reject(new Error("host closed"));
          else waiters.push({ resolve, reject });
        }),
      send: (value) => write(frame(value)),
      sendRaw: write,
      flood: async (bytes, max = Number.POSITIVE_INFINITY) => {
        let n = 0;
        while (!closed && !sock.destroyed && n < max) {
          await write(bytes);
          n++;
        }
        return n;
      },
      get closed() {
        return closed;
      },
    };
    script(c).then(resolveDone, rejectDone);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = await AgentClient.connect(path, opts);
  return {
    client,
    done,
    stop: async () => {
      client.close();
      conn?.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
