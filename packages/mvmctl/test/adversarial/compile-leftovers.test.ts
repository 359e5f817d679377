// Adversarial corpus: a compile killed mid-way leaves its temp output (`.out.tmp-<pid>-<hex>`) in
// the source tree when --out is inside the project. The next compile must never bundle it, nor its
// own output, even when --out is reached through a link to the project.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { MVMCTL, runCli, tempDir } from "../helpers/cli.js";

const IR = JSON.stringify({
  schema_version: "0.1",
  id: "leftover",
  apps: [
    {
      name: "leftover",
      source: { kind: "local_path", path: "." },
      image: { kind: "nix_packages", packages: ["python312"] },
      entrypoints: [{ kind: "function", language: "python", module: "app", function: "f", primary: true }],
    },
  ],
});

async function project(files: number): Promise<string> {
  const proj = await tempDir("mvm-adv-leftover-");
  await writeFile(path.join(proj, "app.py"), "def f():\n    return 1\n");
  await writeFile(path.join(proj, "workload.json"), IR);
  await mkdir(path.join(proj, "data"));
  const blob = Buffer.alloc(16 * 1024, 0x61);
  for (let i = 0; i < files; i++) await writeFile(path.join(proj, "data", `f${i}.txt`), blob);
  return proj;
}

async function srcNames(out: string): Promise<string[]> {
  return (await readdir(path.join(out, "src"), { recursive: true })).map(String).sort();
}

test("SIGKILL a real compile mid-write, compile again: the leftover temp output is not bundled", async () => {
  const proj = await project(3000);
  const child = spawn(process.execPath, [MVMCTL, "compile", "workload.json", "--out", "out", "-q"], {
    cwd: proj,
    stdio: "ignore",
  });
  let leftover: string | undefined;
  const deadline = Date.now() + 60_000;
  while (!leftover && Date.now() < deadline && child.exitCode === null) {
    leftover = (await readdir(proj)).find((n) => n.startsWith(".out.tmp-"));
    if (!leftover) await new Promise((r) => setTimeout(r, 2));
  }
  child.kill("SIGKILL");
  await new Promise((r) => child.once("close", r));
  assert.ok(leftover, "the compile was killed while its temp output existed");
  assert.ok(existsSync(path.join(proj, leftover)), "the killed compile left its temp dir behind");
  assert.ok(!existsSync(path.join(proj, "out")), "the killed compile wrote no output");

  const r = await runCli(["compile", "workload.json", "--out", "out"], { cwd: proj });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: skipping \\${leftover}: a compile's temp output`));
  const names = await srcNames(path.join(proj, "out"));
  assert.ok(!names.some((n) => n.includes(".out.")), "no temp output in the bundle");
  assert.ok(!names.some((n) => n === "out" || n.startsWith("out/")), "the output is not in the bundle");
  assert.equal(names.filter((n) => n.startsWith("data/")).length, 3000);

  // And a third compile over the existing output: still neither the output nor the leftover.
  const again = await runCli(["compile", "workload.json", "--out", "out"], { cwd: proj });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await srcNames(path.join(proj, "out")), names);
});

test("leftover temp dirs anywhere in the tree, and --out reached through a link, are never bundled", async () => {
  const proj = await project(1);
  for (const d of [".out.tmp-123-deadbeef", "sub/.build1.old-42-0123abcd"]) {
    await mkdir(path.join(proj, d), { recursive: true });
    await writeFile(path.join(proj, d, "stale.txt"), "stale");
  }
  await writeFile(path.join(proj, ".out.tgz.tmp-7-cafef00d"), "half an archive");
  const base = await tempDir("mvm-adv-leftover-link-");
  await symlink(proj, path.join(base, "projlink"));
  const r = await runCli(["compile", "workload.json", "--out", path.join(base, "projlink", "out")], {
    cwd: proj,
  });
  assert.equal(r.code, 0, r.stderr);
  const names = await srcNames(path.join(proj, "out"));
  assert.deepEqual(names, ["app.py", "data", "data/f0.txt", "workload.json"]);
  const again = await runCli(["compile", "workload.json", "--out", path.join(base, "projlink", "out")], {
    cwd: proj,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await srcNames(path.join(proj, "out")), names);
  assert.equal(await readFile(path.join(proj, "sub/.build1.old-42-0123abcd/stale.txt"), "utf8"), "stale");
});
