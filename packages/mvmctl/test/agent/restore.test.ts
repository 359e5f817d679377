// The `restore` op (after a snapshot restore) through the real agent binary: host entropy into the
// kernel RNG, the clock (skipped here: --no-clock, never the host's clock), and every warm runner
// stopped so the next call starts a fresh interpreter (the primary entrypoint's is started again
// right after the reseed, so the first call does not wait for it). The clock itself is checked in
// a guest by runtime/snapshot.e2e.test.ts.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AgentError } from "../../src/runtime/agent/protocol/errors.js";
import { call, type RunningAgent, startAgent } from "./harness.js";

let a: RunningAgent;
before(async () => {
  a = await startAgent();
});
after(async () => {
  await a?.stop();
});

async function counter(): Promise<{ calls: number; pid: number }> {
  const r = await a.client.invoke({ entrypoint: "counter", stdin: call(), timeoutMs: 10_000 });
  assert.equal(r.exitCode, 0, r.stderr.toString());
  return JSON.parse(r.stdout.toString("utf8"));
}

async function rejectsWith(p: Promise<unknown>, kind: string, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AgentError, `expected AgentError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return;
  }
  assert.fail(`expected a ${kind} error`);
}

const restore = (entropy: Buffer | string, extra: Record<string, unknown> = {}) =>
  a.client.request({
    op: "restore",
    entropy_b64: typeof entropy === "string" ? entropy : entropy.toString("base64"),
    ...extra,
  });

describe("restore", () => {
  it("is announced in hello", async () => {
    const hello = await a.client.hello();
    assert.ok(hello.capabilities.includes("restore"), hello.capabilities.join(","));
  });

  it("reseeds, leaves the clock to --no-clock, and stops warm runners", async () => {
    const first = await counter();
    const again = await counter();
    assert.equal(again.pid, first.pid, "the warm runner serves both calls");
    assert.equal(again.calls, 2);
    const r = await restore(randomBytes(64), { time_ms: Date.now() });
    // Root may credit entropy (RNDADDENTROPY); anyone may mix it in through /dev/urandom.
    assert.ok(r.entropy === "credited" || r.entropy === "mixed", String(r.entropy));
    if (process.getuid?.() === 0) assert.equal(r.entropy, "credited");
    assert.equal(typeof r.crng_reseeded, "boolean");
    assert.equal(r.clock, "skipped");
    assert.equal(r.runners_stopped, 1);
    assert.equal(r.ready, true);
    const fresh = await counter();
    assert.notEqual(fresh.pid, first.pid, "a new runner after restore");
    assert.equal(fresh.calls, 1, "module state starts over");
  });

  it("without time_ms the clock is unchanged", async () => {
    const r = await restore(randomBytes(32));
    assert.equal(r.clock, "unchanged");
    // The primary entrypoint's (greet) runner, prestarted after the previous restore, and the
    // counter runner the previous test's call started.
    assert.equal(r.runners_stopped, 2);
    // Only the primary's runner, prestarted after the restore just made: nothing else ran since.
    assert.equal((await restore(randomBytes(32))).runners_stopped, 1);
  });

  it("refuses missing, short, long or malformed entropy and a bad time", async () => {
    await rejectsWith(a.client.request({ op: "restore" }), "protocol_error", /entropy_b64/);
    await rejectsWith(restore(randomBytes(16)), "protocol_error", /32\.\.512 bytes/);
    await rejectsWith(restore(randomBytes(600)), "protocol_error", /32\.\.512 bytes/);
    await rejectsWith(restore("not*base64!".repeat(8)), "protocol_error", /32\.\.512 bytes/);
    await rejectsWith(restore(randomBytes(64), { time_ms: -5 }), "protocol_error", /time_ms/);
    await rejectsWith(restore(randomBytes(64), { time_ms: "now" }), "protocol_error", /time_ms/);
  });
});
