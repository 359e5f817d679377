// Warm runners end to end, Python and TypeScript: compile -> build -> up -> invoke through the
// real CLI (TCG where KVM cannot run a guest). A module-level counter shows which runner served a
// call: it grows while one warm runner serves, --fresh calls never see it, and a timeout or a
// crash leaves the next call a fresh runner (the counter starts again at 1).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { compileAndBuild, type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

function warmSuite(fixture: string, entry: string, name: string): void {
  describe(fixture, () => {
    let h: E2eHome;
    before(async () => {
      h = await e2eHome();
      const compiled = await compileAndBuild(h, fixture, entry);
      expectCode(h, await h.run(["up", compiled, "--name", name]), 0, "up");
    });
    after(async () => {
      await h?.cleanup();
    });

    const counter = async (...flags: string[]) => {
      const r = await h.run(["invoke", name, ...flags]);
      expectCode(h, r, 0, `invoke ${flags.join(" ")}`);
      return { n: JSON.parse(r.stdout) as number, r };
    };

    test("up leaves the primary's warm runner started, its module not yet imported", async () => {
      // exec is allowed: fixtures are built as dev images. A runner is `runner.py --serve <dir> ...`
      // (this pattern cannot match the shell's own command line, which holds it with brackets).
      const r = await h.run([
        "exec",
        name,
        "--",
        "sh",
        "-c",
        "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done | grep -cE 'runner[.](py|mjs) --serve '",
      ]);
      expectCode(h, r, 0, "exec: list the runners");
      assert.equal(r.stdout.trim(), "1", "one runner, started by up before any call");
      const first = await counter();
      assert.equal(first.n, 1, "the module was imported at the first call, not at up");
    });

    test("module state persists between calls; --fresh calls do not see it; prints stay on stderr", async () => {
      const first = await counter();
      const second = await counter();
      assert.equal(second.n, first.n + 1);
      assert.equal(second.r.stdout, `${second.n}\n`, "stdout is the exact result");
      assert.match(second.r.stderr, new RegExp(`call ${second.n} printed`));
      const fresh = await counter("--fresh");
      assert.equal(fresh.n, 1, "a --fresh call starts from a new process");
      assert.equal((await counter()).n, second.n + 1, "the warm runner is untouched by --fresh");
    });

    test("a timeout exits 124 and the next call gets a fresh runner", async () => {
      assert.ok((await counter()).n > 1);
      const r = await h.run(["invoke", name, "--input", "sleep=60", "--timeout", "2s"]);
      expectCode(h, r, 124, "invoke that times out");
      assert.match(r.stderr, /E_INVOKE_TIMEOUT/);
      assert.equal((await counter()).n, 1);
    });

    test("a call that kills its own process exits 137 and the next call gets a fresh runner", async () => {
      assert.ok((await counter()).n > 1);
      const r = await h.run(["invoke", name, "--input", "die=true"]);
      expectCode(h, r, 137, "invoke that kills itself");
      assert.match(r.stderr, /E_WRAPPER_CRASHED/);
      assert.equal((await counter()).n, 1);
    });
  });
}

warmSuite("py-warm", "app.py", "warm-py");
warmSuite("ts-warm", "app.ts", "warm-ts");
