// emitJson() through real processes: the canonical bytes on stdout, nothing in a guest, and every
// problem on stderr with a non-zero exit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";

const ROOT = resolve(import.meta.dirname, "../../..");

function runScript(body: string, env: Record<string, string> = {}) {
  // Inside the repo so that "mvm-sdk" resolves to this workspace package.
  const dir = mkdtempSync(join(ROOT, "packages/sdk/test/.tmp-"));
  const file = join(dir, "tool.ts");
  writeFileSync(file, body);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  spawnSync("rm", ["-rf", dir]);
  return r;
}

const DECL = `import * as mvm from "mvm-sdk";
export const shout = mvm.app({ image: mvm.node_image() })((s: string) => s.toUpperCase());
mvm.emitJson();
`;

test("emitJson writes canonical IR without a trailing newline; module defaults to the script stem", () => {
  const r = runScript(DECL);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.endsWith("\n"));
  const w = JSON.parse(r.stdout);
  assert.equal(w.id, "shout");
  assert.equal(w.apps[0].entrypoints[0].module, "tool");
  assert.equal(w.apps[0].entrypoints[0].function, "shout");
});

test("emitJson does nothing in a guest (MVM_IN_GUEST=1)", () => {
  const r = runScript(DECL, { MVM_IN_GUEST: "1" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "");
});

test("validation problems go to stderr with their code and the exit code is 1", () => {
  const r = runScript(`import * as mvm from "mvm-sdk";
export const f = mvm.app({ name: "Bad_Name", image: mvm.node_image() })(() => 1);
mvm.emitJson();
`);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /error\[E_INVALID_ID\]: \.apps\[0\]\.name/);
});

test("two apps in one process is E_MULTIPLE_DECLARATIONS", () => {
  const r = runScript(`import * as mvm from "mvm-sdk";
export const a = mvm.app({ image: mvm.node_image() })(() => 1);
export const b = mvm.app({ image: mvm.node_image() })(() => 2);
mvm.emitJson();
`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /E_MULTIPLE_DECLARATIONS/);
});
