// Instance lifecycle edges through the real CLI: a failing hook is named by `up`, a VM that dies
// shows as failed in `ps`, and `down` cleans up after both.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { compileAndBuild, type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

let h: E2eHome;

before(async () => {
  h = await e2eHome();
});

after(async () => {
  await h?.cleanup();
});

test("a failing before_start: up names the hook, shows its output, leaves a failed instance", async () => {
  const compiled = await compileAndBuild(h, "py-badhook", "app.py");
  const up = await h.run(["up", compiled, "--name", "bad"]);
  expectCode(h, up, 1, "up");
  assert.match(up.stderr, /error\[E_NOT_READY\]: .*before_start failed with exit code 3/);
  assert.match(up.stderr, /MVM_E2E_HOOK_SAYS_NO/, "the console's last lines are shown");

  const ps = await h.run(["ps", "--json"]);
  const rows = JSON.parse(ps.stdout) as { name: string; status: string }[];
  assert.deepEqual(
    rows.map((r) => [r.name, r.status]),
    [["bad", "failed"]],
  );

  const again = await h.run(["up", compiled, "--name", "bad"]);
  expectCode(h, again, 1, "second up with the same name");
  assert.match(again.stderr, /E_INSTANCE_EXISTS/);

  const down = await h.run(["down", "bad"]);
  expectCode(h, down, 0, "down of a failed instance");
  assert.deepEqual(JSON.parse((await h.run(["ps", "--json"])).stdout), []);
});

test("a VM that died shows as failed; invoke refuses it; down cleans up", async () => {
  // Kill a healthy VM's QEMU behind mvmctl's back.
  const compiled = await compileAndBuild(h, "py-command", "app.py");
  const up = await h.run(["up", compiled, "--name", "victim"]);
  expectCode(h, up, 0, "up");
  const state = JSON.parse(readFileSync(join(h.home, "instances/victim/state.json"), "utf8")) as {
    pid: number;
  };
  process.kill(state.pid, "SIGKILL");
  await new Promise((r) => setTimeout(r, 500));

  const ps = await h.run(["ps"]);
  assert.match(ps.stdout, /^victim\s+e2e-cmd\s+failed\s/m);
  const inv = await h.run(["invoke", "victim"]);
  expectCode(h, inv, 1, "invoke on a dead VM");
  assert.match(inv.stderr, /E_INSTANCE_NOT_RUNNING/);

  const down = await h.run(["down", "victim"]);
  expectCode(h, down, 0, "down");
  assert.match(down.stderr, /victim is down \(not-running\)/);
  const missing = await h.run(["down", "victim"]);
  expectCode(h, missing, 1, "down of an unknown instance");
  assert.match(missing.stderr, /E_INSTANCE_NOT_FOUND/);
});
