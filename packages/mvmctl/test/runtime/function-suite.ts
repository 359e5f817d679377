// The function-entrypoint e2e suite, shared by the Python and TypeScript fixtures:
// compile -> build -> up -> invoke -> down through the real CLI, under TCG where KVM cannot run a
// guest (never skipped for lack of KVM). Each fixture has greet(name, punctuation="!"),
// fail(message) that raises, and slow(seconds).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { compileAndBuild, type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

export interface FunctionSuite {
  fixture: string;
  entry: string;
  /** Instance name. */
  name: string;
  workload: string;
  /** The exception class fail() raises, as the error's kind. */
  exceptionKind: string;
  /** greet() prints a line (which must go to stderr). */
  printsToStderr?: boolean;
  /** A function returning the API_KEY env var, when the fixture declares that secret. */
  secretFn?: string;
}

export function functionSuite(o: FunctionSuite): void {
  let h: E2eHome;
  let compiled: string;

  before(async () => {
    h = await e2eHome();
    compiled = await compileAndBuild(h, o.fixture, o.entry);
    const up = await h.run(["up", compiled, "--name", o.name]);
    expectCode(h, up, 0, "up");
    assert.match(
      up.stdout,
      new RegExp(`^${o.name} is up \\(accel (kvm|tcg), 1 vCPU, 256 MiB, booted in [\\d.]+s\\)`),
    );
  });

  after(async () => {
    await h?.cleanup();
  });

  test("keyword arguments: --input values become kwargs (JSON when they parse)", async () => {
    const r = await h.run(["invoke", o.name, "--input", "name=ari", "--input", 'punctuation="?"']);
    expectCode(h, r, 0, "invoke greet");
    assert.equal(r.stdout, '"hello ari?"\n');
    if (o.printsToStderr)
      assert.match(r.stderr, /user print goes to stderr/, "the user's prints reach stderr, not the result");
    const dflt = await h.run(["invoke", o.name, "--input", "name=bo"]);
    expectCode(h, dflt, 0, "invoke greet with a default");
    assert.equal(JSON.parse(dflt.stdout), "hello bo!");
  });

  test("a missing or unknown argument is an error naming it and the signature", async () => {
    const missing = await h.run(["invoke", o.name, "--input", "punctuation=!"]);
    expectCode(h, missing, 1, "invoke without name");
    assert.match(missing.stderr, /error\[E_INVOKE_ARGUMENTS\]: missing required argument 'name'/);
    assert.match(missing.stderr, /the function is greet\(name, punctuation\?\)/);
    const unknown = await h.run(["invoke", o.name, "--input", "name=x", "--input", "nme=y"]);
    expectCode(h, unknown, 1, "invoke with an unknown argument");
    assert.match(unknown.stderr, /unexpected argument 'nme'/);
  });

  test("--stdin takes a raw [args, kwargs] payload", async () => {
    const r = await h.run(["invoke", o.name, "--stdin", "-"], { input: '[["cy"], {"punctuation": "."}]' });
    expectCode(h, r, 0, "invoke --stdin");
    assert.equal(JSON.parse(r.stdout), "hello cy.");
  });

  test("a user exception prints its kind and message and exits 1", async () => {
    const r = await h.run(["invoke", o.name, "--fn", "fail", "--input", "message=boom"]);
    expectCode(h, r, 1, "invoke fail");
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`${o.exceptionKind}: boom`));
    assert.doesNotMatch(
      r.stderr,
      /MVM_ENVELOPE/,
      "the envelope line is turned into the error, not shown raw",
    );
  });

  test("a timeout exits 124 and the VM still serves afterwards", async () => {
    const r = await h.run(["invoke", o.name, "--fn", "slow", "--input", "seconds=60", "--timeout", "2s"]);
    expectCode(h, r, 124, "invoke slow");
    assert.match(r.stderr, /E_INVOKE_TIMEOUT/);
    const again = await h.run(["invoke", o.name, "--input", "name=again"]);
    expectCode(h, again, 0, "invoke after the timeout");
    assert.equal(JSON.parse(again.stdout), "hello again!");
  });

  test("a secret reaches the guest only as an opaque token", {
    skip: !o.secretFn && "this fixture declares no secret",
  }, async () => {
    const r = await h.run(["invoke", o.name, "--fn", o.secretFn ?? "secret_seen"]);
    expectCode(h, r, 0, "invoke secret_seen");
    assert.match(JSON.parse(r.stdout), /^mvm-secret-[0-9a-f]{32}$/);
  });

  test("ps lists the instance; down stops it and removes its state", async () => {
    const ps = await h.run(["ps", "--json"]);
    expectCode(h, ps, 0, "ps");
    const rows = JSON.parse(ps.stdout) as { name: string; status: string; workload: string }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.status, r.workload]),
      [[o.name, "running", o.workload]],
    );
    const down = await h.run(["down", o.name]);
    expectCode(h, down, 0, "down");
    const after = await h.run(["ps", "--json"]);
    assert.deepEqual(JSON.parse(after.stdout), []);
  });
}
