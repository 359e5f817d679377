// Record mode end to end: a real script process writes the recording at exit, and @mvm/ir's
// recording lowering accepts it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { Sandbox, SdkModeError, sdkMode } from "../src/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");

function script(body: string, env: Record<string, string>) {
  const dir = mkdtempSync(join(ROOT, "packages/sdk/test/.tmp-"));
  const file = join(dir, "job.ts");
  writeFileSync(file, body);
  const out = join(dir, "rec.json");
  const r = spawnSync(process.execPath, ["--import", "tsx", file], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, MVM_SDK_OUT_PATH: out, ...env },
  });
  const rec = existsSync(out) ? readFileSync(out, "utf8") : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { ...r, rec };
}

test("record mode writes the recording at exit, in the spec's shape", () => {
  const r = script(
    `import { Sandbox, literal } from "mvm-sdk";
await using sb = await Sandbox.create("python-3.12", { workloadId: "etl", env: { MODEL: literal("/data/m.pt") }, include: ["src"], tags: { job: "nightly" }, ttl: 1800 });
await sb.files.write("/app/cfg.json", '{"a":1}');
await sb.commands.start(["python", "setup.py"]);
await sb.commands.start(["python", "run.py"]);
await sb.kill();
await sb.kill();
`,
    {},
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.rec!), {
    workload_id: "etl",
    create: {
      template: "python-3.12",
      env: { MODEL: { kind: "literal", value: "/data/m.pt" } },
      include: ["src"],
      tags: { job: "nightly" },
      ttl_seconds: 1800,
    },
    ops: [
      { kind: "files_write", path: "/app/cfg.json", bytes_b64: "eyJhIjoxfQ==" },
      { kind: "command_start", argv: ["python", "setup.py"], env: {} },
      { kind: "command_start", argv: ["python", "run.py"], env: {} },
      { kind: "kill" },
    ],
  });
});

test("no Sandbox.create, no recording", () => {
  const r = script(`import "mvm-sdk";\n`, {});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.rec, undefined);
});

test("MVM_SDK_MODE: unset/record -> record, live -> live, anything else a typed error naming both", () => {
  assert.equal(sdkMode({}), "record");
  assert.equal(sdkMode({ MVM_SDK_MODE: "record" }), "record");
  assert.equal(sdkMode({ MVM_SDK_MODE: "live" }), "live");
  assert.throws(
    () => sdkMode({ MVM_SDK_MODE: "replay" }),
    (e: unknown) => e instanceof SdkModeError && e.code === "E_SDK_MODE" && /record, live/.test(e.message),
  );
});

test("live-only calls throw a mode error in record mode", async () => {
  const sb = await Sandbox.create("node-22");
  await assert.rejects(sb.exec(["true"]), SdkModeError);
  await assert.rejects(sb.files.read("/x"), SdkModeError);
  await assert.rejects(sb.snapshot(), SdkModeError);
  await assert.rejects(Sandbox.create("node-22", { snapshot: "s-0123456789abcdef" }), SdkModeError);
});
