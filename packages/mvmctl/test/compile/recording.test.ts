// Recording lowering (spec/runtime-sdk.md): golden IR for good recordings, a stable code and path
// for every kind of rejected one. Runs the real CLI on real files.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { lowerRecordingText, workloadCanonicalJson } from "@mvm/ir";
import { runCli, tempDir } from "../helpers/cli.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = ["etl", "minimal-node", "minimal-template"];

describe("recording lowering (golden)", () => {
  for (const name of GOLDEN) {
    it(`lowers ${name}.json to the expected IR`, async () => {
      const file = path.join(HERE, "recordings", `${name}.json`);
      const res = lowerRecordingText(await readFile(file, "utf8"), file);
      assert.deepEqual(
        res.diagnostics.filter((d) => d.severity === "error"),
        [],
      );
      const got = workloadCanonicalJson(res.workload!);
      const expectedFile = path.join(HERE, "recordings", `${name}.expected.ir.json`);
      if (process.env.MVM_ACCEPT) await writeFile(expectedFile, `${got}\n`);
      assert.equal(got, (await readFile(expectedFile, "utf8")).trim());
    });
  }

  it("compiles a recording end to end with --from-recording", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "run.py"), "print('run')\n");
    await writeFile(
      path.join(dir, "rec.json"),
      await readFile(path.join(HERE, "recordings/etl.json"), "utf8"),
    );
    const r = await runCli(["compile", "--from-recording", "rec.json", "--out", "out", "--json"], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    const ir = await readFile(path.join(dir, "out/workload.json"), "utf8");
    assert.equal(ir, (await readFile(path.join(HERE, "recordings/etl.expected.ir.json"), "utf8")).trim());
  });
});

const BAD: [string, unknown, string, string, RegExp][] = [
  [
    "unknown top-level key",
    { workload_id: "a", create: { template: "minimal" }, ops: [], extra: 1 },
    "E_UNKNOWN_FIELD",
    ".extra",
    /unknown field "extra"/,
  ],
  [
    "unknown op key",
    { workload_id: "a", create: { template: "minimal" }, ops: [{ kind: "kill", now: true }] },
    "E_UNKNOWN_FIELD",
    ".ops[0].now",
    /now/,
  ],
  [
    "unknown create key",
    { workload_id: "a", create: { template: "minimal", gpu: 1 }, ops: [] },
    "E_UNKNOWN_FIELD",
    ".create.gpu",
    /gpu/,
  ],
  [
    "unknown template",
    { workload_id: "a", create: { template: "ruby-3" }, ops: [{ kind: "command_start", argv: ["x"] }] },
    "E_RECORDING_UNKNOWN_TEMPLATE",
    ".create.template",
    /known templates: python-3\.12, python-3\.13, node-22, node-lts, minimal/,
  ],
  [
    "no command_start",
    { workload_id: "a", create: { template: "minimal" }, ops: [{ kind: "kill" }] },
    "E_RECORDING_NO_COMMAND",
    ".ops",
    /starts no command/,
  ],
  [
    "bad base64",
    {
      workload_id: "a",
      create: { template: "minimal" },
      ops: [
        { kind: "files_write", path: "/x", bytes_b64: "not base64!" },
        { kind: "command_start", argv: ["x"] },
      ],
    },
    "E_RECORDING_BAD_BASE64",
    ".ops[0].bytes_b64",
    /ops\[0\] \(\/x\) is not valid base64/,
  ],
  [
    "unknown op kind",
    { workload_id: "a", create: { template: "minimal" }, ops: [{ kind: "reboot" }] },
    "E_RECORDING_INVALID",
    ".ops[0].kind",
    /./,
  ],
  [
    "wrong type",
    {
      workload_id: "a",
      create: { template: "minimal" },
      ops: [{ kind: "command_start", argv: "python run.py" }],
    },
    "E_RECORDING_INVALID",
    ".ops[0].argv",
    /expected array/,
  ],
  [
    "bad workload id",
    { workload_id: "Bad_Id", create: { template: "minimal" }, ops: [{ kind: "command_start", argv: ["x"] }] },
    "E_INVALID_ID",
    ".id",
    /must match/,
  ],
  [
    "shell as the command",
    {
      workload_id: "a",
      create: { template: "minimal" },
      ops: [{ kind: "command_start", argv: ["bash", "-c", "x"] }],
    },
    "E_SHELL_ENTRYPOINT_FORBIDDEN",
    ".apps[0].entrypoints[0].command",
    /shell "bash"/,
  ],
];

describe("rejected recordings", () => {
  for (const [name, rec, code, irPath, detail] of BAD) {
    it(`rejects ${name} with ${code} at ${irPath}`, async () => {
      const res = lowerRecordingText(JSON.stringify(rec, null, 1), "rec.json");
      assert.equal(res.workload, undefined);
      const d = res.diagnostics.find((x) => x.code === code);
      assert.ok(d, `expected ${code}, got ${JSON.stringify(res.diagnostics)}`);
      assert.equal(d.path, irPath);
      assert.match(d.detail + (d.hint ?? ""), detail);
    });
  }

  it("rejects malformed JSON with line:col through the CLI", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "rec.json"), '{"workload_id": "a",\n "create": }');
    const r = await runCli(["compile", "--from-recording", "rec.json", "--out", "out"], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[E_RECORDING_INVALID\]: rec\.json:2:12: invalid JSON/);
  });
});
