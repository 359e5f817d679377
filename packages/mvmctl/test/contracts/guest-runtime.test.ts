// contracts/guest-runtime.ts: the runtime.json that image/guest/runtime-json.ts makes from a real
// compile validates, and the version agrees with the one the C agent accepts.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { readCompiledDir } from "../../src/contracts/compiled-dir.js";
import { RUNTIME_CONFIG_VERSION, RuntimeConfig } from "../../src/contracts/guest-runtime.js";
import { runtimeJson } from "../../src/image/guest/runtime-json.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { helloAppCompiled } from "./fixtures.js";

test("runtime.json made from hello-app's launch.json validates (dev and production)", async () => {
  const launch = await readCompiledDir(await helloAppCompiled());
  for (const production of [false, true]) {
    const rt = runtimeJson(launch, { production });
    const r = RuntimeConfig.safeParse(JSON.parse(JSON.stringify(rt)));
    assert.ok(r.success, r.success ? "" : JSON.stringify(r.error.issues, null, 2));
    assert.equal(rt.version, RUNTIME_CONFIG_VERSION);
    assert.equal(rt.dev, !production);
    assert.deepEqual(rt.hooks, ["before_start", "after_start"]);
    assert.deepEqual(Object.keys(rt.entrypoints), ["greet"]);
  }
});

test("a malformed runtime.json is refused by the schema", () => {
  const ok = {
    version: 1,
    workload_id: "w",
    dev: true,
    primary: "f",
    env: {},
    entrypoints: {},
    hooks: [],
    ready: { poll_ms: 200, timeout_ms: 0 },
  };
  assert.ok(RuntimeConfig.safeParse(ok).success);
  assert.equal(RuntimeConfig.safeParse({ ...ok, version: 2 }).success, false);
  assert.equal(RuntimeConfig.safeParse({ ...ok, hooks: ["before_build"] }).success, false);
  assert.equal(
    RuntimeConfig.safeParse({ ...ok, entrypoints: { f: { kind: "function", module: "m", function: "f" } } })
      .success,
    false,
  );
});

test("RUNTIME_CONFIG_VERSION is the version agent/src/runtime.c accepts", async () => {
  const c = await readFile(join(REPO_ROOT, "agent/src/runtime.c"), "utf8");
  const m = /json_get\(text, t, 0, "version"\), (\d+), (\d+), &v\)/.exec(c);
  assert.ok(m, "agent/src/runtime.c no longer checks runtime.json's version the way this test expects");
  assert.deepEqual([Number(m[1]), Number(m[2])], [RUNTIME_CONFIG_VERSION, RUNTIME_CONFIG_VERSION]);
});
