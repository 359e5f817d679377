// Warm runners through the real agent binary: one long-lived runner per entrypoint, its framed
// request/reply pipes, per-call env and cwd, and a fresh runner after a timeout or a crash.
import assert from "node:assert/strict";
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

const json = (b: Buffer) => JSON.parse(b.toString("utf8"));

interface Counted {
  calls: number;
  pid: number;
  req: string | null;
  cwd?: string;
}

async function count(entrypoint = "counter", extra: { fresh?: boolean; env?: Record<string, string> } = {}) {
  const r = await a.client.invoke({ entrypoint, stdin: call(), timeoutMs: 10_000, ...extra });
  assert.equal(r.exitCode, 0, r.stderr.toString());
  return { out: json(r.stdout) as Counted, stderr: r.stderr.toString(), stdout: r.stdout.toString() };
}

async function rejectsWith(p: Promise<unknown>, kind: string): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AgentError, `expected AgentError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a ${kind} error`);
}

describe("warm runners", () => {
  it("keep module state between calls in one process; the result stays exact and prints go to stderr", async () => {
    const first = await count();
    const second = await count();
    assert.equal(second.out.calls, first.out.calls + 1);
    assert.equal(second.out.pid, first.out.pid, "the same runner served both calls");
    assert.match(second.stderr, new RegExp(`call ${second.out.calls}\\n`));
    assert.match(second.stderr, /raw write to fd 1/);
    assert.doesNotMatch(
      second.stderr,
      new RegExp(`call ${first.out.calls}\\n`),
      "no output from the earlier call",
    );
    assert.deepEqual(JSON.parse(second.stdout), second.out, "stdout is the result alone");
  });

  it("--fresh runs a one-shot runner that sees none of that state and leaves it alone", async () => {
    const before = await count();
    const fresh = await count("counter", { fresh: true });
    assert.equal(fresh.out.calls, 1);
    assert.notEqual(fresh.out.pid, before.out.pid);
    assert.equal((await count()).out.calls, before.out.calls + 1);
  });

  it("applies a call's env for that call only, and a fresh temp cwd per call that is removed", async () => {
    const withEnv = await count("counter", { env: { REQ_VAR: "token-1" } });
    assert.equal(withEnv.out.req, "token-1");
    await rejectsWith(a.client.fsStat(withEnv.out.cwd ?? ""), "not_found");
    const without = await count();
    assert.equal(without.out.req, null, "the previous call's env is gone");
    assert.equal(without.out.pid, withEnv.out.pid);
    assert.notEqual(without.out.cwd, withEnv.out.cwd);
    const set = await a.client.invoke({
      entrypoint: "envprobe",
      stdin: call([], { leak: "from-a-call" }),
      env: { REQ_VAR: "x" },
    });
    assert.deepEqual(json(set.stdout), { LEAK: "from-a-call", REQ_VAR: "x", RT_VAR: "from-runtime" });
    const seen = json((await a.client.invoke({ entrypoint: "envprobe", stdin: call() })).stdout);
    // The call's env goes; what the function itself set stays, like any other process state.
    assert.deepEqual(seen, { LEAK: "from-a-call", REQ_VAR: null, RT_VAR: "from-runtime" });
  });

  it("a timeout kills the runner (124) and the next call gets a fresh one (state reset)", async () => {
    const before = await count();
    const t0 = Date.now();
    const e = await rejectsWith(
      a.client.invoke({ entrypoint: "counter", stdin: call([], { sleep: 30 }), timeoutMs: 500 }),
      "timeout",
    );
    assert.equal(e.exitCode, 124);
    assert.ok(Date.now() - t0 < 3000);
    const next = await count();
    assert.equal(next.out.calls, 1);
    assert.notEqual(next.out.pid, before.out.pid);
  });

  it("a call that kills its own process is wrapper_crashed (137); the next call gets a fresh runner", async () => {
    for (const [ep, die] of [
      ["counter", { die: true }],
      ["counterJs", { die: true }],
    ] as const) {
      const before = await count(ep);
      const e = await rejectsWith(
        a.client.invoke({ entrypoint: ep, stdin: call([], die) }),
        "wrapper_crashed",
      );
      assert.equal(e.exitCode, 137);
      assert.match(e.message, /signal 9/);
      const next = await count(ep);
      assert.equal(next.out.calls, 1, `${ep}: state reset`);
      assert.notEqual(next.out.pid, before.out.pid);
    }
  });

  it("a runner that exits before replying is wrapper_crashed, and the next call gets a new runner", async () => {
    const e = await rejectsWith(a.client.invoke({ entrypoint: "bail", stdin: call([3]) }), "wrapper_crashed");
    assert.equal(e.exitCode, 137);
    assert.match(e.message, /exited with code 3/);
    await rejectsWith(a.client.invoke({ entrypoint: "bail", stdin: call([0]) }), "wrapper_crashed");
  });

  it("a failed import is that call's entrypoint_invalid envelope, and the next call retries it", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await a.client.invoke({ entrypoint: "missingModule", stdin: call() });
      assert.equal(r.exitCode, 1);
      assert.equal(r.envelope?.kind, "entrypoint_invalid");
      assert.match(r.envelope?.message ?? "", /module 'nosuch' not found/);
    }
  });

  it("user exceptions keep the envelope and the runner stays warm", async () => {
    const before = await count();
    const r = await a.client.invoke({ entrypoint: "boom", stdin: call(["warm boom"]) });
    assert.equal(r.exitCode, 1);
    assert.equal(r.envelope?.kind, "ValueError");
    const argErr = await a.client.invoke({ entrypoint: "counter", stdin: call([], { bogus: 1 }) });
    assert.equal(argErr.envelope?.kind, "argument_error");
    const after = await count();
    assert.equal(after.out.pid, before.out.pid);
    assert.equal(after.out.calls, before.out.calls + 1);
  });

  it("warm starts an entrypoint's runner ahead of its first call, which that runner then serves", async () => {
    const w = await a.client.request({ op: "warm", entrypoint: "counterJs" });
    assert.ok(Number.isInteger(w.pid) && (w.pid as number) > 0, JSON.stringify(w));
    const again = await a.client.request({ op: "warm", entrypoint: "counterJs" });
    assert.deepEqual([again.started, again.pid], [false, w.pid], "one runner per entrypoint");
    const r = await a.client.invoke({ entrypoint: "counterJs", stdin: call(), timeoutMs: 10_000 });
    assert.equal(r.exitCode, 0, r.stderr.toString());
    assert.equal(json(r.stdout).pid, w.pid, "the prestarted runner served the call");
    // No entrypoint: the primary's.
    const primary = await a.client.request({ op: "warm" });
    assert.ok((primary.pid as number) > 0);
    await rejectsWith(a.client.request({ op: "warm", entrypoint: "nosuch" }), "entrypoint_invalid");
  });
});
