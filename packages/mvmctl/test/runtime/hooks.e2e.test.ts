// A command entrypoint (a service started at boot) with all four hooks, end to end through the
// real CLI: before_build leaves a file in the image, before_start and after_start leave files in
// the running guest (up waits for after_start), and before_stop prints on the console, which
// `mvmctl down` reports.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { compileAndBuild, type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

let h: E2eHome;

before(async () => {
  h = await e2eHome();
});

after(async () => {
  await h?.cleanup();
});

test("command entrypoint: all four hooks run, in their phases", async () => {
  const compiled = await compileAndBuild(h, "py-command", "app.py");
  const up = await h.run(["up", compiled, "--name", "svc"]);
  expectCode(h, up, 0, "up");

  // exec is allowed: fixtures are built as dev images.
  const marks = await h.run([
    "exec",
    "svc",
    "--",
    "cat",
    "/app/built.txt",
    "/run/before_start.txt",
    "/run/after_start.txt",
    "/run/service-up",
  ]);
  expectCode(h, marks, 0, "exec cat marks");
  assert.equal(marks.stdout, "built-at-build-time\nstarted\nready\nup\n");

  // exec --json: the command's own exit code and both streams as data, for scripts.
  const json = await h.run(["exec", "svc", "--json", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  expectCode(h, json, 3, "exec --json");
  assert.deepEqual(
    { ...(JSON.parse(json.stdout) as Record<string, unknown>), duration_ms: 0 },
    { ok: true, exit_code: 3, stdout: "out\n", stderr: "err\n", duration_ms: 0 },
  );

  const ls = await h.run(["fs", "ls", "svc", "/run", "--json"]);
  expectCode(h, ls, 0, "fs ls");
  const names = (JSON.parse(ls.stdout) as { entries: { name: string }[] }).entries.map((e) => e.name);
  assert.ok(names.includes("after_start.txt"), names.join(","));

  const invoke = await h.run(["invoke", "svc"]);
  expectCode(h, invoke, 1, "invoke of a command entrypoint");
  assert.match(invoke.stderr, /E_ENTRYPOINT_INVALID/);

  const logs = await h.run(["logs", "svc", "-n", "200"]);
  expectCode(h, logs, 0, "logs");
  assert.match(logs.stdout, /before_start exited with 0/);

  const down = await h.run(["down", "svc"]);
  expectCode(h, down, 0, "down");
  assert.match(down.stderr, /MVM_E2E_BEFORE_STOP_RAN/, "before_stop ran and its output was reported");
  assert.match(down.stderr, /svc is down \(shutdown\)/);
});
