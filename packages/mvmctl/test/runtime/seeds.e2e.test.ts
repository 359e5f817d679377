// The docs' examples as printed (examples/seeds/, README there) through the real CLI: compile,
// build, up, one check that the workload answers (an invoke for function entrypoints, the
// command's output and its hooks' marks for command entrypoints), down. One VM at a time, each
// down before the next up. All the Python seeds share one base rootfs (python3 +
// python-is-python3), so after the first only the staging and ext4 are built again; uv comes from
// the pinned wheel in the shared cache. hello-app-python is built but not booted: its printed
// readiness probe curls http://127.0.0.1:8080/health, which nothing in that app serves (and the
// image has no curl), so it can never turn ready.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT } from "../helpers/cli.js";
import { type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

const SEEDS = join(REPO_ROOT, "examples/seeds");
let h: E2eHome;

before(async () => {
  h = await e2eHome();
});

after(async () => {
  await h?.cleanup();
});

async function build(seed: string, file: string): Promise<string> {
  const out = join(h.home, `compiled-${seed}`);
  const c = await h.run(["compile", join(SEEDS, seed, file), "--out", out]);
  expectCode(h, c, 0, `compile ${seed}`);
  // The first build downloads Debian packages and the uv wheel: give it time.
  const b = await h.run(["build", out], { timeoutMs: 900_000 });
  expectCode(h, b, 0, `build ${seed}`);
  return out;
}

/** build + up, then `check`, then down (also when the check fails). */
async function boot(seed: string, file: string, check: () => Promise<void>): Promise<void> {
  const compiled = await build(seed, file);
  const up = await h.run(["up", compiled, "--name", seed]);
  expectCode(h, up, 0, `up ${seed}`);
  try {
    await check();
  } finally {
    const down = await h.run(["down", seed]);
    expectCode(h, down, 0, `down ${seed}`);
  }
}

async function invoke(seed: string, args: string[]): Promise<unknown> {
  const r = await h.run(["invoke", seed, ...args]);
  expectCode(h, r, 0, `invoke ${seed} ${args.join(" ")}`);
  return JSON.parse(r.stdout);
}

async function exec(seed: string, argv: string[]): Promise<string> {
  const r = await h.run(["exec", seed, "--", ...argv]);
  expectCode(h, r, 0, `exec ${seed} ${argv.join(" ")}`);
  return r.stdout;
}

/** The instance's log, polled until it holds `re` (a command's output lands after `up`). */
async function logsMatch(seed: string, re: RegExp): Promise<void> {
  let text = "";
  for (let i = 0; i < 30; i++) {
    const r = await h.run(["logs", seed]);
    text = r.stdout + r.stderr;
    if (re.test(text)) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.fail(`logs of ${seed} never matched ${re}:\n${text}`);
}

test("hello-python: uv.lock, uv from its wheel, module src.tool", async () => {
  await boot("hello-python", "tool.py", async () => {
    assert.equal(await invoke("hello-python", ["--input", "prompt=abc"]), "ABC");
    assert.match(await exec("hello-python", ["uv", "--version"]), /^uv 0\.13\.9 /);
  });
});

test("agent-tool-workflow: nix_packages python312 + uv, network deny, a secret", async () => {
  await boot("agent-tool-workflow", "tool.py", async () => {
    assert.equal(await invoke("agent-tool-workflow", ["--input", "prompt=hi"]), "HI");
  });
});

test("agent-tool-decorator: allow_https -> bridge; run() returns None as printed", async () => {
  await boot("agent-tool-decorator", "tool.py", async () => {
    assert.equal(await invoke("agent-tool-decorator", ["--input", "prompt=hi"]), null);
  });
});

test("math: two function entrypoints", async () => {
  await boot("math", "app.py", async () => {
    assert.equal(await invoke("math", ["--input", "a=2", "--input", "b=3"]), 5);
    assert.equal(await invoke("math", ["--fn", "mul", "--input", "a=2", "--input", "b=3"]), 6);
  });
});

test("worker: the command `python /app/worker.py` ran", async () => {
  await boot("worker", "app.py", async () => {
    await logsMatch("worker", /worker: started/);
  });
});

test("service: uv sync --frozen at build time, migrate before start, healthcheck ready", async () => {
  await boot("service", "app.py", async () => {
    await logsMatch("service", /server: started/);
    assert.equal(await exec("service", ["cat", "/run/migrated"]), "ok\n");
    assert.match(await exec("service", ["cat", "/app/.venv/pyvenv.cfg"]), /^uv = 0\.13\.9$/m);
  });
});

test("egress (completed snippet): bridge with one declared host", async () => {
  await boot("egress", "app.py", async () => {
    assert.equal(await invoke("egress", []), null);
  });
});

test("secrets (completed snippet): literal + secret env", async () => {
  await boot("secrets", "app.py", async () => {
    assert.equal(await invoke("secrets", []), null);
  });
});

test("hello-app-typescript: python_image with a TypeScript function (node added as runner)", async () => {
  await boot("hello-app-typescript", "app.ts", async () => {
    assert.equal(await invoke("hello-app-typescript", ["--input", "name=ari"]), "hello ari");
  });
});

test("hello-app-python: builds (not booted: its curl readiness probe cannot pass)", async () => {
  await build("hello-app-python", "app.py");
});
