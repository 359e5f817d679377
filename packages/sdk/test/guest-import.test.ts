// What importing mvm-sdk costs in a guest: the runner (agent/runners/runner.mjs) imports the user's
// module, which imports mvm-sdk, on a function's first call, and Node runs ~10x slower under TCG.
// Live Sandbox (node:crypto, node:child_process, node:os) and web_fetch's node:fs/promises load
// when used, not with the SDK. Checked on the built dist with a plain node (tsx would load those
// builtins itself); the test scripts build before they run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const DIST = resolve(import.meta.dirname, "../dist/index.js");
const NOT_AT_IMPORT = ["child_process", "crypto", "dgram", "fs/promises", "net", "os"];

test("importing mvm-sdk and declaring an app in the guest loads no live-mode or fetch builtins", () => {
  assert.ok(existsSync(DIST), `${DIST} is missing: run npm run build`);
  const code = `
const before = new Set(process.moduleLoadList);
const mvm = await import(${JSON.stringify(pathToFileURL(DIST).href)});
const fn = (name) => "hello " + name;
const greet = mvm.app({
  name: "hello-app",
  source: mvm.localPath("."),
  image: mvm.python_image({ python: "3.12", packages: ["nodejs"] }),
  resources: mvm.resources({ cpu: 1, memory_mb: 256 }),
  entrypoint: mvm.entrypoint_function({ module: "app", function: "greet", primary: true }),
  env: { API_KEY: mvm.secret("api-key") },
})(fn);
await mvm.emitJson();
const added = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith("NativeModule "));
process.stderr.write(JSON.stringify({ same: (greet.__wrapped__ ?? greet) === fn, out: greet("ari"), added: added.map((m) => m.slice(13)) }));
`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, MVM_IN_GUEST: "1", NODE_OPTIONS: "" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "", "emitJson() wrote in the guest");
  const got = JSON.parse(r.stderr) as { same: boolean; out: string; added: string[] };
  assert.ok(got.same, "the runner would not get the original function");
  assert.equal(got.out, "hello ari");
  assert.deepEqual(
    got.added.filter((m) => NOT_AT_IMPORT.includes(m)),
    [],
    "import them where they are used (sandbox.ts: live mode; fetch.ts: a request)",
  );
});
