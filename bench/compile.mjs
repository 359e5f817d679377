#!/usr/bin/env node
// Static compile vs the in-process route, and CLI start-up, wall time of fresh processes.
//   node bench/compile.mjs [runs=15] [--json]
// Python: `mvmctl compile app.py --out DIR` vs `python3 app.py` (in-process emit_json()), with the
// `python3` on PATH and with /usr/bin/python3. TypeScript: `mvmctl compile app.ts --out DIR` vs
// `node --import tsx app.ts` (in-process emitJson()). Start-up: `mvmctl --version`, `mvmctl ps`
// (empty MVM_HOME), `mvmctl invoke` of an instance that does not exist (exit 1), and `node -e 0`
// (the floor for anything written in Node).
// Each route also runs with MVM_NO_BUNDLE=1 (tsc's dist/ instead of dist/bundle/, ADR 0012).
// Every figure is the median (and min) of `runs` runs after one warm-up run; the routes run
// interleaved (one run of each per round), so load from other processes spreads over all of them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const json = args.includes("--json");
const mvmctl = path.join(root, "packages/mvmctl/bin/mvmctl.js");
const out = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-"));
const home = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-home-"));
const node = process.execPath;
const pyApp = "examples/python/hello-app/app.py";
const tsApp = "examples/node/hello-app/app.ts";

const onPath = spawnSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim();
const pathPython = onPath ? realpathSync(onPath) : "";
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);
/** Whether the launcher runs the bundle now (else every route below measures tsc's dist/). */
function bundleCurrent() {
  const bundle = mtime(path.join(root, "packages/mvmctl/dist/bundle/mvmctl.cjs"));
  const tsc = ["packages/mvmctl/dist/.tsbuildinfo", "packages/ir/dist/.tsbuildinfo"];
  return bundle > 0 && tsc.every((f) => bundle >= mtime(path.join(root, f)));
}
if (!bundleCurrent()) {
  console.error("warning: dist/bundle is missing or older than tsc's output; run `npm run build` first");
}

/** [label, command, args, extra env, expected exit status (default 0)] */
const routes = [
  ["py  mvmctl compile (static)", node, [mvmctl, "compile", pyApp, "--out", path.join(out, "py"), "-q"]],
  [
    "py  mvmctl compile, no bundle",
    node,
    [mvmctl, "compile", pyApp, "--out", path.join(out, "py"), "-q"],
    { MVM_NO_BUNDLE: "1" },
  ],
  [`py  in-process, python3 on PATH (${onPath})`, "python3", [pyApp]],
  ...(existsSync("/usr/bin/python3") && pathPython !== "/usr/bin/python3"
    ? [
        [
          "py  in-process, /usr/bin/python3",
          "/usr/bin/python3",
          [pyApp],
          { PYTHONPATH: path.join(root, "python") },
        ],
      ]
    : []),
  ["ts  mvmctl compile (static)", node, [mvmctl, "compile", tsApp, "--out", path.join(out, "ts"), "-q"]],
  [
    "ts  mvmctl compile, no bundle",
    node,
    [mvmctl, "compile", tsApp, "--out", path.join(out, "ts"), "-q"],
    { MVM_NO_BUNDLE: "1" },
  ],
  ["ts  in-process, node --import tsx", node, ["--import", "tsx", tsApp]],
  ["mvmctl --version", node, [mvmctl, "--version"]],
  ["mvmctl --version, no bundle", node, [mvmctl, "--version"], { MVM_NO_BUNDLE: "1" }],
  ["mvmctl ps (no instances)", node, [mvmctl, "ps"], { MVM_HOME: home }],
  ["mvmctl ps, no bundle", node, [mvmctl, "ps"], { MVM_HOME: home, MVM_NO_BUNDLE: "1" }],
  // Start-up, flags, the runtime stage and the instance lookup, ending in E_INSTANCE_NOT_FOUND.
  [
    "mvmctl invoke (no such instance)",
    node,
    [mvmctl, "invoke", "none", "--input", "a=1"],
    { MVM_HOME: home },
    1,
  ],
  [
    "mvmctl invoke, no bundle",
    node,
    [mvmctl, "invoke", "none", "--input", "a=1"],
    { MVM_HOME: home, MVM_NO_BUNDLE: "1" },
    1,
  ],
  ["node -e 0", node, ["-e", "0"]],
];

const samples = routes.map(() => []);
for (let round = 0; round <= runs; round++) {
  routes.forEach(([, cmd, argv, env, status = 0], i) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== status) throw new Error(`${cmd} ${argv.join(" ")} failed: ${r.stderr}`);
    if (round > 0) samples[i].push(ms); // round 0 warms the page cache
  });
}

if (!bundleCurrent()) {
  console.error("warning: tsc's output changed during the run: some bundle figures are tsc's dist/");
}
const stats = samples.map((s) => {
  const sorted = [...s].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0] };
});
const by = (label) => stats[routes.findIndex(([l]) => l.startsWith(label))];
const ratios = [
  ["py  compile / python3 on PATH", by("py  mvmctl compile (static)"), by("py  in-process, python3 on PATH")],
  [
    "py  compile / /usr/bin/python3",
    by("py  mvmctl compile (static)"),
    by("py  in-process, /usr/bin/python3"),
  ],
  ["ts  compile / node --import tsx", by("ts  mvmctl compile (static)"), by("ts  in-process")],
].filter(([, a, b]) => a && b);

const host = `${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, node ${process.version}, ${runs} runs each, load ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(" ")}`;
if (json) {
  const rows = routes.map(([label], i) => ({ route: label, ...stats[i] }));
  const r = ratios.map(([l, a, b]) => ({ ratio: l, value: a.median / b.median }));
  console.log(JSON.stringify({ host, rows, ratios: r }, null, 2));
} else {
  console.log(`host: ${host}`);
  const w = Math.max(...routes.map(([l]) => l.length));
  routes.forEach(([label], i) => {
    const { median, min } = stats[i];
    console.log(
      `${label.padEnd(w)}  median ${median.toFixed(1).padStart(6)} ms   min ${min.toFixed(1).padStart(6)} ms`,
    );
  });
  for (const [l, a, b] of ratios)
    console.log(`ratio ${l.padEnd(w - 6)}  ${(a.median / b.median).toFixed(2)}x`);
}
