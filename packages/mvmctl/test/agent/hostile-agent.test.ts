// The host trusts nothing from the guest (issue 11, item 5). A fake agent (hostile-agent.ts)
// speaks the real frame format over a unix socket and sends what a compromised guest could:
// non-object frames, wrong field types, endless output, unsolicited replies by the thousand,
// fs.read answers that never end, a 4 GiB length prefix, half a frame, silence. Each test asserts
// the typed error the client rejects with, that the channel is closed, that nothing escapes as an
// uncaught exception, and (for the floods) how much memory this process grew by.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, type TestContext } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  type AgentClient,
  FS_READ_CHUNK_BYTES,
  MAX_EVENT_BYTES,
  MAX_UNSOLICITED,
  STREAM_CAP_BYTES,
} from "../../src/runtime/agent/protocol/client.js";
import { AgentError } from "../../src/runtime/agent/protocol/errors.js";
import { encodeRawFrame } from "../../src/runtime/agent/protocol/frame.js";
import { type FakeConn, frame, type HostileAgent, hostileAgent, type Msg } from "./hostile-agent.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MiB = 1024 * 1024;
/** What a flood may add to this process (client, decoder, test harness), at its peak. */
const FLOOD_BUDGET = 64 * MiB;

const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);
before(() => {
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
});
after(() => {
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
});

let agent: HostileAgent | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  // Let any late socket event run before checking that none threw.
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(uncaught, [], "an error escaped the client");
});

async function start(
  script: (c: FakeConn) => Promise<void>,
  opts: { requestTimeoutMs?: number; callGraceMs?: number } = {},
): Promise<AgentClient> {
  agent = await hostileAgent(script, { requestTimeoutMs: 5000, ...opts });
  return agent.client;
}

/** Asserts `p` rejects with an AgentError of `code`; returns it. */
async function rejectsWith(p: Promise<unknown>, code: string): Promise<AgentError> {
  const e = await p.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (x: unknown) => x,
  );
  assert.ok(e instanceof AgentError, `expected an AgentError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return e;
}

/** After a violation the channel is closed: the next request fails at once, without a reply. */
async function assertClosed(client: AgentClient): Promise<void> {
  assert.equal(client.closed, true);
  await assert.rejects(client.ping(), AgentError);
}

/** Runs `f` and reports this process's peak RSS growth while it ran and heap growth after GC. */
async function measured<T>(t: TestContext, what: string, f: () => Promise<T>): Promise<T> {
  gc();
  const base = process.memoryUsage();
  let peak = base.rss;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  try {
    return await f();
  } finally {
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage().rss);
    gc();
    const end = process.memoryUsage();
    const peakGrowth = peak - base.rss;
    const heapGrowth = end.heapUsed - base.heapUsed;
    t.diagnostic(
      `${what}: peak RSS +${(peakGrowth / MiB).toFixed(1)} MiB, heap after GC ${heapGrowth >= 0 ? "+" : ""}${(heapGrowth / MiB).toFixed(1)} MiB`,
    );
    assert.ok(peakGrowth < FLOOD_BUDGET, `${what}: RSS grew by ${(peakGrowth / MiB).toFixed(1)} MiB`);
    assert.ok(heapGrowth < 16 * MiB, `${what}: the heap kept ${(heapGrowth / MiB).toFixed(1)} MiB`);
  }
}

/** Answers the first request with `reply(request)`. */
const answer = (reply: (m: Msg) => unknown) => async (c: FakeConn) => {
  const m = await c.next();
  await c.send(reply(m));
};

describe("malformed messages are E_AGENT_PROTOCOL and close the channel", () => {
  const notObjects: [string, unknown][] = [
    ["null", null],
    ["an array", [1, 2]],
    ["a number", 42],
    ["a string", "ok"],
    ["true", true],
  ];
  for (const [what, value] of notObjects) {
    it(`a ${what} frame`, async () => {
      const client = await start(answer(() => value));
      const e = await rejectsWith(client.ping(), "E_AGENT_PROTOCOL");
      assert.match(e.message, /JSON object/);
      await assertClosed(client);
    });
  }

  const badIds: [string, (m: Msg) => unknown][] = [
    ["no id", () => ({ ok: true, ready: true })],
    ["a string id", (m) => ({ id: String(m.id), ok: true, ready: true })],
    ["a negative id", () => ({ id: -1, ok: true, ready: true })],
    ["a fractional id", (m) => ({ id: m.id + 0.5, ok: true, ready: true })],
    ["an id above u32", () => ({ id: 2 ** 32, ok: true, ready: true })],
    ["id null", () => ({ id: null, ok: true })],
  ];
  for (const [what, reply] of badIds) {
    it(`a reply with ${what}`, async () => {
      const client = await start(answer(reply));
      await rejectsWith(client.ping(), "E_AGENT_PROTOCOL");
      await assertClosed(client);
    });
  }

  it("a frame that is not JSON", async () => {
    const client = await start(async (c) => {
      await c.next();
      await c.sendRaw(encodeRawFrame(Buffer.from("{not json")));
    });
    await rejectsWith(client.ping(), "E_AGENT_PROTOCOL");
    await assertClosed(client);
  });

  const wrongTypes: [string, (c: AgentClient) => Promise<unknown>, (m: Msg) => unknown][] = [
    ["ok as a string", (c) => c.ping(), (m) => ({ id: m.id, ok: "yes", ready: true })],
    ["neither ok nor event", (c) => c.ping(), (m) => ({ id: m.id, ready: true })],
    ["ping ready as a string", (c) => c.ping(), (m) => ({ id: m.id, ok: true, ready: "true" })],
    [
      "hello capabilities as a string",
      (c) => c.hello(),
      (m) => ({
        id: m.id,
        ok: true,
        protocol: 1,
        agent_version: "x",
        capabilities: "all",
        boot_ms: 1,
        ready: true,
      }),
    ],
    ["hello with fields missing", (c) => c.hello(), (m) => ({ id: m.id, ok: true })],
    ["an error reply with error: null", (c) => c.ping(), (m) => ({ id: m.id, ok: false, error: null })],
    [
      "an error kind that is not a word",
      (c) => c.ping(),
      (m) => ({ id: m.id, ok: false, error: { kind: "x".repeat(500), message: "m" } }),
    ],
    [
      "an error message as a number",
      (c) => c.ping(),
      (m) => ({ id: m.id, ok: false, error: { kind: "internal", message: 7 } }),
    ],
    [
      "fs.stat type unknown",
      (c) => c.fsStat("/x"),
      (m) => ({ id: m.id, ok: true, type: "weird", size: 1, mode: 1, mtime_ms: 1 }),
    ],
    [
      "fs.stat size negative",
      (c) => c.fsStat("/x"),
      (m) => ({ id: m.id, ok: true, type: "file", size: -1, mode: 1, mtime_ms: 1 }),
    ],
    [
      "fs.list entries as an object",
      (c) => c.fsList("/"),
      (m) => ({ id: m.id, ok: true, entries: {}, truncated: false }),
    ],
    [
      "fs.list with an entry of the wrong shape",
      (c) => c.fsList("/"),
      (m) => ({ id: m.id, ok: true, entries: [{ name: 1 }], truncated: false }),
    ],
    [
      "fs.list with more than 4000 entries",
      (c) => c.fsList("/"),
      (m) => ({
        id: m.id,
        ok: true,
        entries: Array.from({ length: 4001 }, (_, i) => ({
          name: `f${i}`,
          type: "file",
          size: 0,
          mode: 0,
          mtime_ms: 0,
        })),
        truncated: false,
      }),
    ],
    [
      "fs.read eof as a string",
      (c) => c.fsRead("/x"),
      (m) => ({ id: m.id, ok: true, data_b64: "", eof: "false" }),
    ],
    [
      "fs.read data that is not base64",
      (c) => c.fsRead("/x"),
      (m) => ({ id: m.id, ok: true, data_b64: "!!!!", eof: true }),
    ],
    [
      "fs.write written as a string",
      (c) => c.fsWrite("/x", "a"),
      (m) => ({ id: m.id, ok: true, written: "1" }),
    ],
    [
      "exec exit_code as a string",
      (c) => c.exec({ argv: ["true"] }),
      (m) => ({ id: m.id, ok: true, exit_code: "0" }),
    ],
    [
      "invoke without exit_code",
      (c) => c.invoke({ stdin: "[[],{}]", timeoutMs: 1000 }),
      (m) => ({ id: m.id, ok: true }),
    ],
    [
      "an event with data_b64 a number",
      (c) => c.exec({ argv: ["true"] }),
      (m) => ({ id: m.id, event: "stdout", data_b64: 42 }),
    ],
    [
      "an unknown event",
      (c) => c.exec({ argv: ["true"] }),
      (m) => ({ id: m.id, event: "progress", data_b64: "" }),
    ],
    [
      "an empty output event",
      (c) => c.exec({ argv: ["true"] }),
      (m) => ({ id: m.id, event: "stdout", data_b64: "" }),
    ],
    [
      "an output event over 64 KiB",
      (c) => c.exec({ argv: ["true"] }),
      (m) => ({ id: m.id, event: "stdout", data_b64: Buffer.alloc(MAX_EVENT_BYTES + 1).toString("base64") }),
    ],
    ["an output event to a ping", (c) => c.ping(), (m) => ({ id: m.id, event: "stdout", data_b64: "aGk=" })],
  ];
  for (const [what, call, reply] of wrongTypes) {
    it(what, async () => {
      const client = await start(answer(reply));
      await rejectsWith(call(client), "E_AGENT_PROTOCOL");
      await assertClosed(client);
    });
  }

  it("an error message full of terminal escapes is shown bounded and without control characters", async () => {
    const client = await start(
      answer((m) => ({
        id: m.id,
        ok: false,
        error: { kind: "internal", message: `\u001b]0;pwned\u0007\u001b[2J${"x".repeat(100_000)}` },
      })),
    );
    const e = await rejectsWith(client.ping(), "E_AGENT_INTERNAL");
    const control = [...e.message].filter((ch) => {
      const n = ch.charCodeAt(0);
      return (n < 0x20 && ch !== "\t" && ch !== "\n") || n === 0x7f;
    });
    assert.deepEqual(control, [], e.message.slice(0, 80));
    assert.ok(e.message.length < 5000);
  });

  it("an output handler that throws fails its call, not the process", async () => {
    const client = await start(async (c) => {
      const m = await c.next();
      await c.send({ id: m.id, event: "stdout", data_b64: "aGk=" });
    });
    const boom = new Error("sink broke");
    const e = await client
      .exec(
        { argv: ["true"] },
        {
          onStdout: () => {
            throw boom;
          },
        },
      )
      .catch((x: unknown) => x);
    assert.equal(e, boom);
    await assertClosed(client);
  });
});

describe("caps are enforced on what the host accumulates", () => {
  const chunk = frame({ id: 1, event: "stdout", data_b64: Buffer.alloc(48 * 1024, 0x61).toString("base64") });

  it("an endless stdout flood ends the call with E_PAYLOAD_CAP and bounded memory", async (t) => {
    let sent = 0;
    const client = await start(async (c) => {
      const m = await c.next();
      assert.equal(m.id, 1);
      sent = await c.flood(chunk);
    });
    let handed = 0;
    await measured(t, "stdout flood", async () => {
      const e = await rejectsWith(
        client.exec(
          { argv: ["yes"] },
          {
            onStdout: (b) => {
              handed += b.length;
            },
          },
        ),
        "E_PAYLOAD_CAP",
      );
      assert.match(e.message, /more than 16777216 bytes of stdout/);
    });
    await agent?.done;
    t.diagnostic(`frames the fake agent got out before the host closed: ${sent}`);
    assert.ok(handed <= STREAM_CAP_BYTES, `handlers got ${handed} bytes`);
    await assertClosed(client);
  });

  it("an endless stderr flood on an invoke with a timeout: E_PAYLOAD_CAP, bounded memory", async (t) => {
    const client = await start(async (c) => {
      const m = await c.next();
      await c.flood(
        frame({ id: m.id, event: "stderr", data_b64: Buffer.alloc(64 * 1024, 0x62).toString("base64") }),
      );
    });
    await measured(t, "stderr flood", () =>
      rejectsWith(client.invoke({ stdin: "[[],{}]", timeoutMs: 60_000 }), "E_PAYLOAD_CAP"),
    );
  });

  it("a flood of 1-byte events is merged per read: bounded memory, no per-event buffers kept", async (t) => {
    const tiny = frame({ id: 1, event: "stdout", data_b64: "YQ==" });
    const N = 200_000;
    const client = await start(async (c) => {
      await c.next();
      await c.flood(tiny, N);
      await c.send({ id: 1, ok: true, exit_code: 0 });
    });
    let chunks = 0;
    const r = await measured(t, `${N} one-byte events`, () =>
      client.exec({ argv: ["x"] }, { onStdout: () => void chunks++ }),
    );
    assert.equal(r.stdout.length, N);
    assert.ok(chunks < N / 100, `the handler was called ${chunks} times`);
    t.diagnostic(`${N} events reached the handler as ${chunks} chunks`);
  });

  it("stdin over 16 MiB is refused before it is sent", async () => {
    let got = 0;
    const client = await start(async (c) => {
      await c.next().then(
        () => got++,
        () => undefined,
      );
    });
    await rejectsWith(
      client.exec({ argv: ["cat"], stdin: Buffer.alloc(STREAM_CAP_BYTES + 1) }),
      "E_PAYLOAD_CAP",
    );
    assert.equal(got, 0);
  });

  it("a frame length prefix of 4 GiB is refused from the header, before any allocation", async (t) => {
    const client = await start(async (c) => {
      await c.next();
      const head = Buffer.alloc(4);
      head.writeUInt32BE(0xffffffff, 0);
      await c.sendRaw(head);
      await c.flood(Buffer.alloc(64 * 1024, 0x7b), 2000);
    });
    await measured(t, "4 GiB length prefix", async () => {
      const e = await rejectsWith(client.ping(), "E_AGENT_PROTOCOL");
      assert.match(e.message, /4294967295 bytes exceeds/);
    });
    await assertClosed(client);
  });
});

describe("queues are bounded", () => {
  it("thousands of id-0 replies: counted, a few kept, then the channel closes", async (t) => {
    const zero = frame({ id: 0, ok: false, error: { kind: "protocol_error", message: "x".repeat(512) } });
    let sent = 0;
    const client = await start(async (c) => {
      await c.next();
      sent = await c.flood(zero, 10_000);
    });
    await measured(t, "id-0 replies", () => rejectsWith(client.ping(), "E_AGENT_PROTOCOL"));
    await agent?.done;
    assert.ok(client.unattributed.length <= 16, `kept ${client.unattributed.length}`);
    assert.equal(client.unsolicited, MAX_UNSOLICITED + 1);
    t.diagnostic(`the fake agent wrote ${sent} of 10000 before the host closed`);
    await assertClosed(client);
  });

  it("replies and events for ids nobody asked for: the same bound", async () => {
    let n = 0;
    const client = await start(async (c) => {
      await c.next();
      await c.flood(frame({ id: 777_777, ok: true }), 5000);
      n++;
    });
    await rejectsWith(client.ping(), "E_AGENT_PROTOCOL");
    assert.equal(client.unsolicited, MAX_UNSOLICITED + 1);
    await agent?.done;
    assert.equal(n, 1);
  });

  it("a few unsolicited id-0 replies (the agent answering a bad frame of ours) are tolerated", async () => {
    const client = await start(async (c) => {
      const m = await c.next();
      for (let i = 0; i < 3; i++)
        await c.send({ id: 0, ok: false, error: { kind: "protocol_error", message: "bad frame" } });
      await c.send({ id: m.id, ok: true, ready: true });
    });
    assert.deepEqual(await client.ping(), { ready: true });
    assert.equal(client.unattributed.length, 3);
  });
});

describe("fs.read loops are bounded", () => {
  const stat = (m: Msg, type: string, size: number) => ({
    id: m.id,
    ok: true,
    type,
    size,
    mode: 420,
    mtime_ms: 0,
  });

  it("eof:false forever on a file that claims 1000 bytes: exactly 1000 bytes are read, in 1 request", async () => {
    const reads: Msg[] = [];
    const client = await start(async (c) => {
      await c.send(stat(await c.next(), "file", 1000));
      for (;;) {
        const m = await c.next().catch(() => undefined);
        if (!m) return;
        reads.push(m);
        const n = Math.min(Number(m.length ?? FS_READ_CHUNK_BYTES), FS_READ_CHUNK_BYTES);
        await c.send({ id: m.id, ok: true, data_b64: Buffer.alloc(n, 0x63).toString("base64"), eof: false });
      }
    });
    const data = await client.fsReadFile("/f");
    assert.equal(data.length, 1000);
    assert.deepEqual(
      reads.map((r) => [r.offset, r.length]),
      [[0, 1000]],
    );
  });

  it("more data than asked for (growing offsets past the claimed size) is E_AGENT_PROTOCOL", async () => {
    const client = await start(async (c) => {
      await c.send(stat(await c.next(), "file", 1000));
      const m = await c.next();
      await c.send({ id: m.id, ok: true, data_b64: Buffer.alloc(4096).toString("base64"), eof: false });
    });
    await rejectsWith(client.fsReadFile("/f"), "E_AGENT_PROTOCOL");
    await assertClosed(client);
  });

  it("a reply with no data and eof:false (no progress) is E_AGENT_PROTOCOL", async () => {
    const client = await start(async (c) => {
      await c.send(stat(await c.next(), "file", 1000));
      const m = await c.next();
      await c.send({ id: m.id, ok: true, data_b64: "", eof: false });
    });
    const e = await rejectsWith(client.fsReadFile("/f"), "E_AGENT_PROTOCOL");
    assert.match(e.message, /no data and no eof/);
    await assertClosed(client);
  });

  it("a file that claims a huge size is refused before reading", async () => {
    let reads = 0;
    const client = await start(async (c) => {
      await c.send(stat(await c.next(), "file", 2 ** 40));
      await c.next().then(
        () => reads++,
        () => undefined,
      );
    });
    await rejectsWith(client.fsReadFile("/f"), "E_PAYLOAD_CAP");
    assert.equal(reads, 0);
  });

  it("a file with no size (a device, /proc) that never ends stops at the maximum with E_PAYLOAD_CAP", async (t) => {
    let reads = 0;
    const client = await start(async (c) => {
      await c.send(stat(await c.next(), "other", 0));
      for (;;) {
        const m = await c.next().catch(() => undefined);
        if (!m) return;
        reads++;
        const n = Math.min(Number(m.length ?? FS_READ_CHUNK_BYTES), FS_READ_CHUNK_BYTES);
        await c.send({ id: m.id, ok: true, data_b64: Buffer.alloc(n, 0x64).toString("base64"), eof: false });
      }
    });
    await measured(t, "endless device read (4 MiB max)", () =>
      rejectsWith(client.fsReadFile("/dev/zero", { maxBytes: 4 * MiB }), "E_PAYLOAD_CAP"),
    );
    assert.equal(reads, (4 * MiB) / FS_READ_CHUNK_BYTES + 1);
  });
});

describe("a silent guest is E_AGENT_NO_REPLY", () => {
  it("silence after connect: hello times out", async () => {
    const client = await start(async (c) => void (await c.next()), { requestTimeoutMs: 200 });
    const t0 = Date.now();
    await rejectsWith(client.hello(), "E_AGENT_NO_REPLY");
    assert.ok(Date.now() - t0 < 5000);
    await assertClosed(client);
  });

  it("silence after hello: the next request times out and the channel closes", async () => {
    const client = await start(
      async (c) => {
        const h = await c.next();
        await c.send({
          id: h.id,
          ok: true,
          protocol: 1,
          agent_version: "0",
          capabilities: [],
          boot_ms: 1,
          ready: true,
        });
        await c.next();
      },
      { requestTimeoutMs: 300 },
    );
    assert.equal((await client.hello()).ready, true);
    await rejectsWith(client.fsStat("/"), "E_AGENT_NO_REPLY");
    await assertClosed(client);
  });

  it("half a frame, then silence", async () => {
    const client = await start(
      async (c) => {
        await c.next();
        const full = frame({ id: 1, ok: true, ready: true });
        await c.sendRaw(full.subarray(0, 10));
      },
      { requestTimeoutMs: 300 },
    );
    await rejectsWith(client.ping(), "E_AGENT_NO_REPLY");
    await assertClosed(client);
  });

  it("an invoke with a user timeout waits timeout + grace, then E_AGENT_NO_REPLY", async () => {
    const client = await start(async (c) => void (await c.next()), { callGraceMs: 300 });
    const t0 = Date.now();
    await rejectsWith(client.invoke({ stdin: "[[],{}]", timeoutMs: 200 }), "E_AGENT_NO_REPLY");
    const took = Date.now() - t0;
    assert.ok(took >= 450 && took < 5000, `took ${took} ms`);
  });

  it("an exec without a timeout may stay silent past the request timeout (a command can run long)", async () => {
    const client = await start(
      async (c) => {
        const m = await c.next();
        await new Promise((r) => setTimeout(r, 600));
        await c.send({ id: m.id, ok: true, exit_code: 0 });
      },
      { requestTimeoutMs: 200 },
    );
    assert.equal((await client.exec({ argv: ["sleep", "0.6"] })).exitCode, 0);
  });

  it("output that keeps coming does not extend an invoke past timeout + grace", async () => {
    const client = await start(
      async (c) => {
        const m = await c.next();
        while (!c.closed) {
          await c.send({ id: m.id, event: "stderr", data_b64: "LgA=" });
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      { callGraceMs: 300 },
    );
    await rejectsWith(client.invoke({ stdin: "[[],{}]", timeoutMs: 200 }), "E_AGENT_NO_REPLY");
  });
});
