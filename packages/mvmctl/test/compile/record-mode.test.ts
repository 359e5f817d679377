// Record mode end to end with the real SDKs and real interpreters: `mvmctl compile script` runs a
// Sandbox script on the host (tsx from ./node_modules/.bin, python3, node), and the recording it
// writes is lowered into IR with a command entrypoint.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, runCli, tempDir } from "../helpers/cli.js";

/** The parts of a Workload IR these tests read (the full type lives in @mvm/ir). */
interface Ir {
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON read back from workload.json, checked field by field below
  apps: any[];
  extensions: unknown;
}

const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "record-scripts");

async function compileScript(file: string): Promise<{ ir: Ir; stderr: string; ran: boolean }> {
  const dir = await tempDir();
  const marker = path.join(dir, "marker");
  const r = await runCli(["compile", path.join(SCRIPTS, file), "--out", path.join(dir, "out")], {
    cwd: REPO_ROOT, // ./node_modules/.bin/tsx resolves from here
    env: { MVM_TEST_MARKER: marker, PYTHONPATH: path.join(REPO_ROOT, "python"), MVM_TSX: "" },
  });
  assert.equal(r.code, 0, r.stderr);
  return {
    ir: JSON.parse(readFileSync(path.join(dir, "out/workload.json"), "utf8")),
    stderr: r.stderr,
    ran: existsSync(marker),
  };
}

function expectEtl(ir: Ir, id: string): void {
  assert.equal(ir.id, id);
  const app = ir.apps[0];
  assert.deepEqual(app.entrypoints, [
    { kind: "command", command: ["python3", "run.py"], working_dir: "/app", env: { LOG: "1" } },
  ]);
  assert.deepEqual(app.hooks, { before_start: [{ kind: "argv", argv: ["python3", "setup.py"] }] });
  assert.deepEqual(app.image, { kind: "nix_packages", packages: ["python312"] });
  assert.deepEqual(app.env, { MODEL: { kind: "literal", value: "/data/m.pt" } });
  assert.deepEqual(app.files, [
    { path: "/app/cfg.json", bytes_b64: Buffer.from('{"a":1}').toString("base64") },
  ]);
  assert.deepEqual(app.source.include, ["*.py"]);
  assert.deepEqual(ir.extensions, { recording: { tags: { job: "nightly" }, ttl_seconds: 1800 } });
}

describe("record mode with the real SDKs", () => {
  it("TypeScript: runs the script with ./node_modules/.bin/tsx and lowers its recording", async () => {
    const { ir, stderr, ran } = await compileScript("etl.ts");
    assert.ok(ran, "the script ran on the host");
    assert.match(stderr, /ON THIS HOST in record mode \(\.\/node_modules\/\.bin\/tsx\)/);
    expectEtl(ir, "etl-ts");
  });

  it("Python: runs the script with python3 and gives the same workload but its id", async () => {
    const { ir, stderr, ran } = await compileScript("etl.py");
    assert.ok(ran, "the script ran on the host");
    assert.match(stderr, /ON THIS HOST in record mode \(python3 on PATH\)/);
    expectEtl(ir, "etl-py");
  });

  it("JavaScript: runs an .mjs script with this node", async () => {
    const { ir } = await compileScript("job.mjs");
    assert.equal(ir.id, "job-js");
    assert.deepEqual(ir.apps[0].entrypoints[0].command, ["node", "job.mjs"]);
    assert.deepEqual(ir.apps[0].image.packages, ["nodejs_22"]);
  });
});
