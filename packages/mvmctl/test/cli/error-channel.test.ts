// The structured error channel (MVM_ERROR_FD) and `--json` errors of the real CLI: programs that
// run mvmctl (the SDKs' live mode, scripts) read mvmctl's own errors there, never from stderr.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { MVMCTL, REPO_ROOT, runCli } from "../helpers/cli.js";

let home: string;
before(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "mvm-errchan-"));
});
after(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Runs mvmctl with fd 3 as a pipe named by MVM_ERROR_FD; returns the three streams and the code. */
function runWithChannel(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; channel: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MVMCTL, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: "1", MVM_HOME: home, MVM_ERROR_FD: "3" },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    const bufs: Record<string, string> = { stdout: "", stderr: "", channel: "" };
    child.stdout?.on("data", (b: Buffer) => {
      bufs.stdout += b;
    });
    child.stderr?.on("data", (b: Buffer) => {
      bufs.stderr += b;
    });
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (b: Buffer) => {
      bufs.channel += b;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout: bufs.stdout!, stderr: bufs.stderr!, channel: bufs.channel! }),
    );
  });
}

test("an mvmctl error goes to MVM_ERROR_FD as one JSON line, and to stderr as text", async () => {
  const r = await runWithChannel(["exec", "no-such-instance", "--", "true"]);
  assert.notEqual(r.code, 0);
  const lines = r.channel.trim().split("\n");
  assert.equal(lines.length, 1);
  const e = JSON.parse(lines[0]!) as { code: string; message: string };
  assert.equal(e.code, "E_INSTANCE_NOT_FOUND");
  assert.match(e.message, /no-such-instance/);
  assert.match(r.stderr, /error\[E_INSTANCE_NOT_FOUND\]/);
  assert.equal(r.stdout, "");
});

test("usage errors reach the channel as E_USAGE with exit code 2", async () => {
  const r = await runWithChannel(["exec"]);
  assert.equal(r.code, 2);
  assert.equal((JSON.parse(r.channel) as { code: string }).code, "E_USAGE");
});

test("a successful command writes nothing to the channel", async () => {
  const r = await runWithChannel(["ps", "--json"]);
  assert.equal(r.code, 0);
  assert.equal(r.channel, "");
});

test("MVM_ERROR_FD naming stdout or stderr is ignored: the human streams stay clean", async () => {
  for (const fd of ["1", "2", "x"]) {
    const r = await runCli(["exec", "no-such-instance", "--", "true"], {
      env: { MVM_HOME: home, MVM_ERROR_FD: fd },
    });
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, "");
    assert.doesNotMatch(r.stderr, /^\{"code"/m);
  }
});

test("exec --json: mvmctl's own failure is {ok:false, error} on stdout", async () => {
  const r = await runCli(["exec", "no-such-instance", "--json", "--", "true"], { env: { MVM_HOME: home } });
  assert.notEqual(r.code, 0);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string } };
  assert.equal(out.ok, false);
  assert.equal(out.error.code, "E_INSTANCE_NOT_FOUND");
});
