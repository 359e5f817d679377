// The TypeScript runner resolution order of spec/cli.md, step by step, with stand-in executables,
// and the record-mode spawn through a stand-in runner that writes a recording like the SDK does.
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { resolvePython, resolveTsRunner } from "../../src/compile/record/resolve-runner.js";
import { runCli, tempDir } from "../helpers/cli.js";

async function standIn(file: string, body = "#!/bin/sh\nexit 0\n"): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
  await chmod(file, 0o755);
  return file;
}

/** A project dir with every candidate present; each test removes the ones ahead of it. */
async function fixture(present: string[]): Promise<{ cwd: string; bin: string; env: NodeJS.ProcessEnv }> {
  const cwd = await tempDir();
  const bin = path.join(cwd, "pathbin");
  await mkdir(bin, { recursive: true });
  for (const p of present) {
    if (p.startsWith("local:")) await standIn(path.join(cwd, "node_modules/.bin", p.slice(6)));
    if (p.startsWith("path:")) await standIn(path.join(bin, p.slice(5)));
    if (p === "pinned") await standIn(path.join(cwd, "my-tsx"));
  }
  return {
    cwd,
    bin,
    env: { PATH: bin, ...(present.includes("pinned") ? { MVM_TSX: path.join(cwd, "my-tsx") } : {}) },
  };
}

const ALL = ["pinned", "local:tsx", "local:bun", "local:deno", "path:tsx", "path:bun", "path:deno"];
const EXPECT: [string, string, string[]][] = [
  ["pinned", "MVM_TSX", []],
  ["local:tsx", "./node_modules/.bin/tsx", []],
  ["local:bun", "./node_modules/.bin/bun", ["run"]],
  ["local:deno", "./node_modules/.bin/deno", ["run", "-A"]],
  ["path:tsx", "tsx on PATH", []],
  ["path:bun", "bun on PATH", ["run"]],
  ["path:deno", "deno on PATH", ["run", "-A"]],
];

describe("TypeScript runner resolution order", () => {
  EXPECT.forEach(([winner, source, args], i) => {
    it(`step ${i + 1}: ${source} wins over everything after it`, async () => {
      const { cwd, env } = await fixture(ALL.slice(i));
      const r = resolveTsRunner(cwd, env);
      assert.equal(r.source, source);
      assert.deepEqual(r.args, args);
      assert.match(
        r.command,
        new RegExp(`${winner.replace(/^(local|path):/, "")}$`.replace("pinned", "my-tsx")),
      );
    });
  });

  it("fails with the install hint when nothing resolves", async () => {
    const { cwd, env } = await fixture([]);
    assert.throws(
      () => resolveTsRunner(cwd, env),
      (e: Error & { code?: string; hint?: string }) => {
        assert.equal(e.code, "E_TS_RUNNER_NOT_FOUND");
        for (const s of [
          "npm install -g tsx",
          "pnpm add -g tsx",
          "yarn global add tsx",
          "brew install tsx",
          "bun",
          "deno",
          "MVM_TSX=<path>",
        ]) {
          assert.ok(e.hint!.includes(s), `hint mentions ${s}`);
        }
        return true;
      },
    );
  });

  it("rejects an MVM_TSX that is not executable", async () => {
    const { cwd } = await fixture(["local:tsx"]);
    assert.throws(
      () => resolveTsRunner(cwd, { PATH: "", MVM_TSX: path.join(cwd, "nope") }),
      /MVM_TSX=.*not an executable/,
    );
  });

  it("resolves Python from MVM_PYTHON, then python3 on PATH", async () => {
    const { cwd, bin } = await fixture([]);
    await standIn(path.join(bin, "python3"));
    const custom = await standIn(path.join(cwd, "py"));
    assert.equal(resolvePython({ PATH: bin, MVM_PYTHON: custom }).source, "MVM_PYTHON");
    assert.equal(resolvePython({ PATH: bin }).command, path.join(bin, "python3"));
    assert.throws(() => resolvePython({ PATH: cwd }), /python3 is not on PATH/);
  });
});

describe("record mode through a resolved runner", () => {
  const script = `import { Sandbox } from "mvm-sdk";\nconst sb = await Sandbox.create("node-22");\nawait sb.commands.start(["node", "job.mjs"]);\n`;
  // A stand-in runner that behaves like the SDK in record mode: writes the recording it was asked to.
  const fakeRunner = (argLog: string) => `#!/bin/sh
echo "$@" > "${argLog}"
[ "$MVM_SDK_MODE" = record ] || exit 9
cat > "$MVM_SDK_OUT_PATH" <<'REC'
{"workload_id": "job", "create": {"template": "node-22"}, "ops": [{"kind": "command_start", "argv": ["node", "job.mjs"], "env": {}}]}
REC
`;

  it("spawns the MVM_TSX runner with MVM_SDK_MODE=record and lowers what it wrote", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "job.ts"), script);
    const runner = await standIn(path.join(dir, "fake-tsx"), fakeRunner(path.join(dir, "args.txt")));
    const r = await runCli(["compile", "job.ts", "--out", "out"], { cwd: dir, env: { MVM_TSX: runner } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /runn?ing it ON THIS HOST in record mode \(MVM_TSX\)/);
    const { readFile } = await import("node:fs/promises");
    const ir = JSON.parse(await readFile(path.join(dir, "out/workload.json"), "utf8"));
    assert.deepEqual(ir.apps[0].entrypoints[0].command, ["node", "job.mjs"]);
    assert.match(await readFile(path.join(dir, "args.txt"), "utf8"), /job\.ts/);
  });

  it("says so when the script writes no recording", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "job.ts"), script);
    const runner = await standIn(path.join(dir, "fake-tsx"), "#!/bin/sh\nexit 0\n");
    const r = await runCli(["compile", "job.ts", "--out", "out"], { cwd: dir, env: { MVM_TSX: runner } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_RECORD_NO_RECORDING.*wrote no recording/);
  });

  it("fails with the install hint when no runner resolves", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "job.ts"), script);
    const r = await runCli(["compile", "job.ts", "--out", "out"], {
      cwd: dir,
      env: { PATH: path.dirname(process.execPath), MVM_TSX: "" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_TS_RUNNER_NOT_FOUND/);
    assert.match(r.stderr, /npm install -g tsx/);
  });

  it("kills a script that runs too long", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "job.ts"), script);
    const runner = await standIn(path.join(dir, "fake-tsx"), "#!/bin/sh\nsleep 30\n");
    const r = await runCli(["compile", "job.ts", "--out", "out"], {
      cwd: dir,
      env: { MVM_TSX: runner, MVM_RECORD_TIMEOUT_MS: "500" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_RECORD_TIMEOUT/);
  });
});
