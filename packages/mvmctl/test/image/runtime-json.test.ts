import assert from "node:assert/strict";
import { test } from "node:test";
import type { LaunchJson } from "../../src/contracts/compiled-dir.js";
import { runtimeJson } from "../../src/image/guest/runtime-json.js";

const fn = {
  kind: "function",
  module: "app",
  function: "greet",
  language: "python",
  primary: true,
  working_dir: "/app",
  env: {},
};
const cmd = { kind: "command", command: ["python3", "/app/worker.py"], working_dir: "/app", env: { A: "1" } };

test("runtime.json follows docs/architecture.md", () => {
  const launch = {
    workload_id: "hello-app",
    entrypoint: fn,
    entrypoints: [fn, cmd],
    env: { MODEL_PATH: "/data/model.pt" },
    hooks: { before_build: [{ kind: "shell", line: "x" }], after_start: [{ kind: "shell", line: "y" }] },
    signatures: { greet: { params: [{ name: "name", kind: "normal", required: true }] } },
  } as unknown as LaunchJson;
  assert.deepEqual(runtimeJson(launch), {
    version: 1,
    workload_id: "hello-app",
    dev: true,
    primary: "greet",
    env: { MODEL_PATH: "/data/model.pt" },
    entrypoints: {
      greet: {
        kind: "function",
        language: "python",
        module: "app",
        function: "greet",
        working_dir: "/app",
        env: {},
        params: [{ name: "name", kind: "normal", required: true }],
      },
      main: { kind: "command", command: ["python3", "/app/worker.py"], working_dir: "/app", env: { A: "1" } },
    },
    hooks: ["after_start"],
    ready: { poll_ms: 200, timeout_ms: 30000 },
  });
});

test("secret references never reach runtime.json", () => {
  const ep = {
    ...fn,
    env: { TOKEN: { kind: "secret_ref", name: "t" }, LIT: { kind: "literal", value: "v" } },
  };
  const launch = { workload_id: "w", entrypoint: ep, entrypoints: [ep], env: {} } as unknown as LaunchJson;
  const rt = runtimeJson(launch);
  assert.deepEqual(rt.entrypoints.greet?.env, { LIT: "v" });
  assert.ok(!JSON.stringify(rt).includes("secret_ref"));
});

test("a production image turns exec off; dev is the default", () => {
  const launch = {
    workload_id: "w",
    entrypoint: fn,
    entrypoints: [fn],
    env: {},
    hooks: {},
  } as unknown as LaunchJson;
  assert.equal(runtimeJson(launch).dev, true);
  assert.equal(runtimeJson(launch, { production: true }).dev, false);
});
