#!/usr/bin/env node
// Finds the test files and runs them with node's test runner (Node 20 has no globs in --test).
//   node scripts/test.mjs [all|unit|e2e] [filter...]
// Unit tests run two files at a time; end-to-end tests (*.e2e.test.ts, they build images and boot
// VMs) run one at a time after them. The last line sums both runs.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [mode = "all", ...filters] = process.argv.slice(2);

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const all = ["packages/ir/test", "packages/sdk/test", "packages/mvmctl/test"]
  .map((d) => path.join(root, d))
  .filter((d) => {
    try {
      return statSync(d).isDirectory();
    } catch {
      return false;
    }
  })
  .flatMap(find)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const e2e = all.filter((f) => f.endsWith(".e2e.test.ts"));
const unit = all.filter((f) => !f.endsWith(".e2e.test.ts"));

function run(files, concurrency) {
  return new Promise((resolve) => {
    if (files.length === 0) return resolve({ pass: 0, fail: 0, code: 0 });
    const args = [
      "--import",
      "tsx",
      "--test",
      `--test-concurrency=${concurrency}`,
      "--test-reporter=tap",
      ...files,
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let pass = 0;
    let fail = 0;
    let tail = "";
    child.stdout.on("data", (b) => {
      process.stdout.write(b);
      tail = (tail + b.toString()).slice(-4096);
    });
    child.on("close", (code) => {
      pass = Number(/^# pass (\d+)/m.exec(tail)?.[1] ?? 0);
      fail = Number(/^# fail (\d+)/m.exec(tail)?.[1] ?? 0);
      resolve({ pass, fail, code: code ?? 1 });
    });
  });
}

const results = [];
if (mode === "all" || mode === "unit") results.push(await run(unit, 2));
if (mode === "all" || mode === "e2e") results.push(await run(e2e, 1));
const pass = results.reduce((n, r) => n + r.pass, 0);
const fail = results.reduce((n, r) => n + r.fail, 0);
const failedRun = results.some((r) => r.code !== 0);
process.stdout.write(`\n${pass} passed, ${fail} failed\n`);
process.exitCode = fail > 0 || failedRun || pass === 0 ? 1 : 0;
