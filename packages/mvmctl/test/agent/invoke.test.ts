// invoke through the real agent binary and the real runners (Python and Node).
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

describe("invoke", () => {
  it("calls a Python function: result on stdout, user prints on stderr, streamed", async () => {
    const streamed: Buffer[] = [];
    const r = await a.client.invoke(
      { stdin: call(["bob"]), timeoutMs: 10_000 },
      { onStdout: (c) => streamed.push(c) },
    );
    assert.equal(r.exitCode, 0, r.stderr.toString());
    assert.deepEqual(json(r.stdout), { msg: "hello bob!" });
    assert.match(r.stderr.toString(), /hello from user code/);
    assert.deepEqual(Buffer.concat(streamed), r.stdout);
  });

  it("maps kwargs onto params and awaits coroutines", async () => {
    const r = await a.client.invoke({ entrypoint: "greet", stdin: call([], { name: "ann", punct: "?" }) });
    assert.deepEqual(json(r.stdout), { msg: "hello ann?" });
    const r2 = await a.client.invoke({ entrypoint: "agreet", stdin: call([], { name: "x" }) });
    assert.equal(json(r2.stdout), "async x");
  });

  it("calls a Node .mjs function through runner.mjs", async () => {
    const r = await a.client.invoke({ entrypoint: "greetJs", stdin: call([], { punct: ".", name: "js" }) });
    assert.equal(r.exitCode, 0, r.stderr.toString());
    assert.deepEqual(json(r.stdout), { msg: "hello js." });
    assert.match(r.stderr.toString(), /log from js/);
  });

  it("reports missing and unknown arguments by name (argument_error), in both runners", async () => {
    for (const ep of ["greet", "greetJs"]) {
      const missing = await a.client.invoke({ entrypoint: ep, stdin: call([], { punct: "!" }) });
      assert.equal(missing.exitCode, 1);
      assert.equal(missing.envelope?.kind, "argument_error");
      assert.match(missing.envelope?.message ?? "", /missing required argument 'name'/);
      const unknown = await a.client.invoke({ entrypoint: ep, stdin: call(["x"], { bogus: 1 }) });
      assert.equal(unknown.envelope?.kind, "argument_error");
      assert.match(unknown.envelope?.message ?? "", /unexpected argument 'bogus'/);
    }
  });

  it("turns a user exception into an MVM_ENVELOPE with the class name and an error id", async () => {
    const r = await a.client.invoke({ entrypoint: "boom", stdin: call(["it broke"]) });
    assert.equal(r.exitCode, 1);
    assert.equal(r.envelope?.kind, "ValueError");
    assert.equal(r.envelope?.message, "it broke");
    assert.match(r.envelope?.error_id ?? "", /^[0-9a-f]{16}$/);
    const js = await a.client.invoke({ entrypoint: "failJs", stdin: call() });
    assert.equal(js.envelope?.kind, "TypeError");
    assert.equal(js.envelope?.message, "bad type");
  });

  it("reports a non-JSON result as result_not_serializable", async () => {
    const r = await a.client.invoke({ entrypoint: "notjson", stdin: call() });
    assert.equal(r.exitCode, 1);
    assert.equal(r.envelope?.kind, "result_not_serializable");
  });

  it("runs with a cleared env plus runtime, entrypoint and request env, in a fresh temp dir that is removed", async () => {
    const r = await a.client.invoke({
      entrypoint: "environ",
      stdin: call(),
      env: { REQ_VAR: "from-request" },
    });
    const out = json(r.stdout);
    assert.deepEqual(out.env, {
      RT_VAR: "from-runtime",
      EP_VAR: "from-entrypoint",
      REQ_VAR: "from-request",
      HOME: null,
      SECRET_FROM_HOST: null,
    });
    assert.match(out.cwd, /mvm-call-/);
    await rejectsWith(a.client.fsStat(out.cwd), "not_found");
  });

  it("streams stdin larger than one frame (invoke.stdin)", async () => {
    const data = "y".repeat(3 * 1024 * 1024);
    const r = await a.client.invoke({ entrypoint: "length", stdin: call([data]) });
    assert.equal(r.exitCode, 0, r.stderr.toString());
    assert.equal(json(r.stdout), data.length);
  });

  it("answers ping while an invoke runs, and refuses a second invoke with busy", async () => {
    const slow = a.client.invoke({ entrypoint: "sleepy", stdin: call([1.0]), timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 150));
    const t0 = Date.now();
    const ping = await a.client.ping();
    assert.equal(ping.ready, true);
    assert.ok(Date.now() - t0 < 500, "ping waited for the invoke");
    const busy = await rejectsWith(a.client.invoke({ entrypoint: "greet", stdin: call(["b"]) }), "busy");
    assert.equal(busy.code, "E_AGENT_BUSY");
    assert.equal(json((await slow).stdout), "woke");
  });

  it("times out: SIGTERM to the group → timeout (E_INVOKE_TIMEOUT, exit 124), and keeps serving", async () => {
    const t0 = Date.now();
    const e = await rejectsWith(
      a.client.invoke({ entrypoint: "sleepy", stdin: call([30]), timeoutMs: 300 }),
      "timeout",
    );
    assert.equal(e.code, "E_INVOKE_TIMEOUT");
    assert.equal(e.exitCode, 124);
    assert.ok(Date.now() - t0 < 2000);
    const r = await a.client.invoke({ entrypoint: "greet", stdin: call(["again"]) });
    assert.deepEqual(json(r.stdout), { msg: "hello again!" });
  });

  it("kills a call that ignores SIGTERM after the 2 s grace", async () => {
    const t0 = Date.now();
    await rejectsWith(
      // 1.5 s leaves the interpreter time to install its SIGTERM ignore even on a loaded host.
      a.client.invoke({ entrypoint: "stubborn", stdin: call([30]), timeoutMs: 1500 }),
      "timeout",
    );
    const took = Date.now() - t0;
    assert.ok(took >= 3400 && took < 7000, `took ${took} ms`);
  });

  it("reports a runner killed by a signal as wrapper_crashed (exit 137)", async () => {
    const e = await rejectsWith(a.client.invoke({ entrypoint: "crash", stdin: call() }), "wrapper_crashed");
    assert.equal(e.code, "E_WRAPPER_CRASHED");
    assert.equal(e.exitCode, 137);
    assert.match(e.message, /signal 9/);
  });

  it("caps stdout at 16 MiB (payload_cap) and still serves afterwards", async () => {
    let seen = 0;
    const e = await rejectsWith(
      a.client.invoke(
        { entrypoint: "big", stdin: call([17 * 1024 * 1024]) },
        { onStdout: (c) => (seen += c.length) },
      ),
      "payload_cap",
    );
    assert.match(e.message, /stdout/);
    assert.ok(seen <= 16 * 1024 * 1024, `streamed ${seen} bytes`);
    assert.equal((await a.client.ping()).ready, true);
  });

  it("rejects an unknown entrypoint with entrypoint_invalid", async () => {
    const e = await rejectsWith(a.client.invoke({ entrypoint: "nope", stdin: call() }), "entrypoint_invalid");
    assert.equal(e.code, "E_ENTRYPOINT_INVALID");
  });
});
