// hello/ping, framing limits, fs verbs, exec gating, hooks, readiness, stdio transport, shutdown,
// all against the real agent binary.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentError } from "../../src/runtime/agent/protocol/errors.js";
import { encodeRawFrame } from "../../src/runtime/agent/protocol/frame.js";
import { call, startAgent } from "./harness.js";

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

const waitFor = async (cond: () => boolean, ms = 3000) => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("channel", () => {
  it("hello reports the protocol, version, capabilities and readiness; ping answers", async () => {
    const a = await startAgent();
    try {
      const h = await a.client.hello();
      assert.equal(h.protocol, 1);
      assert.match(h.agent_version, /^\d+\.\d+\.\d+$/);
      assert.ok(h.capabilities.includes("invoke") && h.capabilities.includes("fs"));
      assert.ok(!h.capabilities.includes("exec"), "exec must not be offered when dev is false");
      assert.equal(typeof h.boot_ms, "number");
      assert.equal(h.ready, true);
      assert.deepEqual(await a.client.ping(), { ready: true });
    } finally {
      await a.stop();
    }
  });

  it("rejects an oversize frame with protocol_error without losing the stream", async () => {
    const a = await startAgent();
    try {
      // Declares 1 MiB + 1 but sends only a little: the agent must answer from the header alone.
      a.client.writeRaw(encodeRawFrame(Buffer.from("{}"), (1 << 20) + 1));
      await waitFor(() => a.client.unattributed.length > 0);
      const err = a.client.unattributed[0]!;
      assert.equal(err.ok, false);
      assert.equal((err.error as { kind: string }).kind, "protocol_error");
      // Finish the oversize body so the stream is back on a frame boundary, then talk normally.
      a.client.writeRaw(Buffer.alloc((1 << 20) + 1 - 2));
      assert.equal((await a.client.ping()).ready, true);
    } finally {
      await a.stop();
    }
  });

  it("answers garbage JSON with protocol_error and an unknown op with unsupported", async () => {
    const a = await startAgent();
    try {
      a.client.writeRaw(encodeRawFrame(Buffer.from("{not json")));
      await waitFor(() => a.client.unattributed.length > 0);
      assert.equal((a.client.unattributed[0]!.error as { kind: string }).kind, "protocol_error");
      await rejectsWith(a.client.request({ op: "frobnicate" }), "unsupported");
      await rejectsWith(a.client.request({ op: "hello", protocol: 99 }), "unsupported");
    } finally {
      await a.stop();
    }
  });

  it("speaks the same protocol over --stdio and exits when the host closes it", async () => {
    const a = await startAgent({ transport: "stdio" });
    try {
      assert.equal((await a.client.hello()).protocol, 1);
      a.proc.stdin?.end();
      const code = await new Promise((r) => a.proc.once("exit", r));
      assert.equal(code, 0);
    } finally {
      await a.stop();
    }
  });

  it("shutdown replies ok and the agent exits (it powers off only as PID 1)", async () => {
    const a = await startAgent({ hooks: { before_stop: "echo stopping >&2\n" } });
    try {
      const exited = new Promise((r) => a.proc.once("exit", r));
      await a.client.shutdown(1000);
      assert.equal(await exited, 0);
      assert.match(a.log(), /running before_stop/);
    } finally {
      await a.stop();
    }
  });
});

describe("fs verbs", () => {
  it("round-trips mkdir, write, stat, read, list, move, remove", async () => {
    const a = await startAgent();
    try {
      const d = `${a.root}/tmp/data`;
      await a.client.fsMkdir(`${d}/sub`, { parents: true });
      const payload = Buffer.alloc(700 * 1024, 7); // more than one fs.write and fs.read chunk
      assert.equal(await a.client.fsWrite(`${d}/sub/f.bin`, payload, { mode: 0o600 }), payload.length);
      await a.client.fsWrite(`${d}/sub/f.bin`, "tail", { append: true });
      const st = await a.client.fsStat(`${d}/sub/f.bin`);
      assert.equal(st.type, "file");
      assert.equal(st.size, payload.length + 4);
      assert.equal(st.mode, 0o600);
      const back = await a.client.fsReadFile(`${d}/sub/f.bin`);
      assert.ok(back.equals(Buffer.concat([payload, Buffer.from("tail")])));
      const part = await a.client.fsRead(`${d}/sub/f.bin`, { offset: payload.length, length: 10 });
      assert.equal(part.data.toString(), "tail");
      assert.equal(part.eof, true);
      await a.client.fsWrite(`${d}/new/deep/x.txt`, "x", { createParents: true });
      const list = await a.client.fsList(d);
      assert.deepEqual(list.entries.map((e) => `${e.name}:${e.type}`).sort(), ["new:dir", "sub:dir"]);
      await a.client.fsMove(`${d}/sub/f.bin`, `${d}/g.bin`);
      await rejectsWith(a.client.fsStat(`${d}/sub/f.bin`), "not_found");
      await rejectsWith(a.client.fsRemove(d), "internal"); // not empty, not recursive
      await a.client.fsRemove(d, { recursive: true });
      const gone = await rejectsWith(a.client.fsRead(`${d}/g.bin`), "not_found");
      assert.equal(gone.code, "E_GUEST_NOT_FOUND");
      await rejectsWith(a.client.fsStat("relative/path"), "protocol_error");
    } finally {
      await a.stop();
    }
  });
});

describe("exec and hooks", () => {
  it("refuses exec with unsupported when runtime.json dev is false", async () => {
    const a = await startAgent({ dev: false });
    try {
      const e = await rejectsWith(a.client.exec({ argv: ["/bin/echo", "hi"] }), "unsupported");
      assert.equal(e.code, "E_AGENT_UNSUPPORTED");
    } finally {
      await a.stop();
    }
  });

  it("runs exec on dev images with streamed output, stdin, env and exit code", async () => {
    const a = await startAgent({ dev: true });
    try {
      const r = await a.client.exec({
        argv: ["/bin/sh", "-c", 'read line; echo "got $line $FOO"; echo err >&2; exit 3'],
        stdin: "hello\n",
        env: { FOO: "bar" },
      });
      assert.equal(r.exitCode, 3);
      assert.equal(r.stdout.toString(), "got hello bar\n");
      assert.equal(r.stderr.toString(), "err\n");
      await rejectsWith(a.client.exec({ argv: ["/no/such/program"] }), "not_found");
      await rejectsWith(a.client.exec({ argv: ["/bin/sleep", "10"], timeoutMs: 200 }), "timeout");
    } finally {
      await a.stop();
    }
  });

  it("hooks.run runs a declared hook and reports a missing one as not_found", async () => {
    const a = await startAgent({ hooks: { custom_phase: "echo from-hook; exit 4\n" } });
    try {
      const r = await a.client.hooksRun("custom_phase");
      assert.equal(r.exitCode, 4);
      assert.equal(r.stdout.toString(), "from-hook\n");
      await rejectsWith(a.client.hooksRun("before_start"), "not_found");
    } finally {
      await a.stop();
    }
  });
});

describe("readiness", () => {
  it("is not ready (invoke → not_ready) until after_start exits 0", async () => {
    // Fails twice, then succeeds: the agent must poll it.
    const hook = 'n=$(cat "$0.count" 2>/dev/null || echo 0); echo $((n+1)) > "$0.count"; [ "$n" -ge 2 ]\n';
    const a = await startAgent({ hooks: { after_start: hook }, ready: { poll_ms: 300, timeout_ms: 10_000 } });
    try {
      const h = await a.client.hello();
      assert.equal(h.ready, false);
      assert.equal(h.ready_error, undefined);
      const e = await rejectsWith(a.client.invoke({ stdin: call(["x"]) }), "not_ready");
      assert.equal(e.code, "E_NOT_READY");
      await waitFor(() => /ready \(after_start succeeded\)/.test(a.log()), 5000);
      assert.equal((await a.client.ping()).ready, true);
      const r = await a.client.invoke({ stdin: call(["x"]) });
      assert.equal(r.exitCode, 0);
    } finally {
      await a.stop();
    }
  });

  it("gives up after ready.timeout_ms and reports the hook's last output", async () => {
    const a = await startAgent({
      hooks: { after_start: "echo 'db not reachable' >&2; exit 1\n" },
      ready: { poll_ms: 50, timeout_ms: 400 },
    });
    try {
      await new Promise((r) => setTimeout(r, 700));
      const p = await a.client.ping();
      assert.equal(p.ready, false);
      assert.match(p.ready_error ?? "", /after_start/);
      assert.match(p.ready_error ?? "", /db not reachable/);
      const e = await rejectsWith(a.client.invoke({ stdin: call(["x"]) }), "not_ready");
      assert.match(e.message, /db not reachable/);
    } finally {
      await a.stop();
    }
  });

  it("keeps serving with an invalid runtime.json but fails every invoke with entrypoint_invalid", async () => {
    const a = await startAgent({ runtimeJson: '{"version": 1, "entrypoints": {"f": {"kind": "function"}}}' });
    try {
      assert.equal((await a.client.hello()).protocol, 1);
      const e = await rejectsWith(a.client.invoke({ stdin: call() }), "entrypoint_invalid");
      assert.match(e.message, /runtime.json is invalid/);
    } finally {
      await a.stop();
    }
  });
});
