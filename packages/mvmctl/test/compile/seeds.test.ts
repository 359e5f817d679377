// examples/seeds/ holds the product docs' declarations as printed (examples/seeds/README.md lists
// what each needed). Every one compiles with the real `mvmctl compile` (static: never imported)
// and in-process (the file run on the host with the SDK, then mvm.emit_json() / emitJson()) to
// the same bytes. The in-process route wraps the file instead of adding an emit call to it, so
// the files stay as the docs print them. No VM here: the e2e test builds and boots them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { REPO, runPython } from "./python/helpers.js";

const SEEDS = join(REPO, "examples/seeds");

/** The declaration file of a seed folder: the top-level .py/.ts that calls mvm.app. */
function seedDeclaration(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => /\.(py|ts)$/.test(f))
    .filter((f) => /mvm\.app\(/.test(readFileSync(join(dir, f), "utf8")));
  assert.equal(files.length, 1, `${dir}: expected one declaration file, found ${files.join(", ") || "none"}`);
  return files[0] as string;
}

function inProcess(dir: string, file: string): string {
  const r = file.endsWith(".py")
    ? runPython(
        [
          "-c",
          "import runpy, sys, mvm; runpy.run_path(sys.argv[1], run_name='__main__'); mvm.emit_json()",
          file,
        ],
        { cwd: dir },
      )
    : spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `await import(${JSON.stringify(`./${file}`)}); (await import("mvm-sdk")).emitJson();`,
        ],
        { cwd: dir, encoding: "utf8", env: { ...process.env, MVM_IN_GUEST: "" } },
      );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const seeds = readdirSync(SEEDS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

test("every seed example of the docs has a folder", () => {
  assert.deepEqual(seeds, [
    "agent-tool-decorator",
    "agent-tool-workflow",
    "egress",
    "hello-app-python",
    "hello-app-typescript",
    "hello-python",
    "math",
    "secrets",
    "service",
    "worker",
  ]);
});

for (const name of seeds) {
  test(`examples/seeds/${name}: mvmctl compile === in-process emit`, async () => {
    const dir = join(SEEDS, name);
    const file = seedDeclaration(dir);
    const out = await mkdtemp(join(tmpdir(), `mvm-seed-${name}-`));
    try {
      const c = await runCli(["compile", join(dir, file), "--out", join(out, "c")]);
      assert.equal(c.code, 0, `${c.stdout}\n${c.stderr}`);
      assert.doesNotMatch(c.stderr, /error\[/);
      const fromStatic = readFileSync(join(out, "c", "workload.json"), "utf8");
      assert.equal(inProcess(dir, file), fromStatic);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
}
