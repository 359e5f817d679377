#!/usr/bin/env node
// Static compile vs the in-process route, wall time, same declaration file.
//   node bench/compile.mjs [runs=15]
// Python: `mvmctl compile app.py --out DIR` vs `python3 app.py` (in-process emit_json()).
// TypeScript: `mvmctl compile app.ts --out DIR` vs `node --import tsx app.ts` (in-process emitJson()).
// Each figure is the median (and min) wall time of a fresh process, end to end, including Node or
// Python startup, parsing, validation and (for compile) writing the staged directory.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 15);
const mvmctl = path.join(root, "packages/mvmctl/bin/mvmctl.js");
const out = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-"));

function time(cmd, args, env = {}) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    if (i > 0) samples.push(ms); // the first run warms the page cache
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0] };
}

const fmt = (t) => `median ${t.median.toFixed(1).padStart(7)} ms   min ${t.min.toFixed(1).padStart(7)} ms`;
const cases = [
  ["python", "examples/python/hello-app/app.py", ["python3", ["examples/python/hello-app/app.py"]]],
  [
    "typescript",
    "examples/node/hello-app/app.ts",
    [process.execPath, ["--import", "tsx", "examples/node/hello-app/app.ts"]],
  ],
];

console.log(
  `host: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, node ${process.version}, ${runs} runs each`,
);
for (const [lang, file, [cmd, args]] of cases) {
  const c = time(process.execPath, [mvmctl, "compile", file, "--out", path.join(out, lang), "-q"]);
  const p = time(cmd, args);
  console.log(`${lang.padEnd(10)} mvmctl compile (static)  ${fmt(c)}`);
  console.log(
    `${"".padEnd(10)} in-process emit          ${fmt(p)}   (${cmd === "python3" ? "python3 on PATH" : "node + tsx"})`,
  );
  console.log(`${"".padEnd(10)} ratio compile/in-process ${(c.median / p.median).toFixed(2)}x`);
  // python3 on PATH may be a version-manager shim that adds its own start-up time: also measure
  // the system interpreter directly, so the comparison is not flattered by the shim.
  if (
    lang === "python" &&
    existsSync("/usr/bin/python3") &&
    realpathSync(spawnSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim() || "/") !==
      "/usr/bin/python3"
  ) {
    const sys = time("/usr/bin/python3", args, { PYTHONPATH: path.join(root, "python") });
    console.log(`${"".padEnd(10)} in-process emit          ${fmt(sys)}   (/usr/bin/python3)`);
    console.log(`${"".padEnd(10)} ratio compile/in-process ${(c.median / sys.median).toFixed(2)}x`);
  }
}
