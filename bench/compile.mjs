#!/usr/bin/env node
// Static compile vs the in-process route, and CLI start-up, wall time of the user-facing command.
//   node bench/compile.mjs [runs=15] [--json]
// Every mvmctl route runs the launcher users run, packages/mvmctl/bin/mvmctl (package.json "bin":
// sh, then the native client, ADR 0013). Python: `mvmctl compile app.py --out DIR` vs
// `python3 app.py` (in-process emit_json()), with the `python3` on PATH and with /usr/bin/python3.
// TypeScript: `mvmctl compile app.ts --out DIR` vs `node --import tsx app.ts` (in-process
// emitJson()). Each compile runs three ways: through the warm compile server (the default), as the
// first call that finds no server (it starts one and runs node itself; a fresh XDG_RUNTIME_DIR per
// run, the server it started is killed after the timed part), and with MVM_NO_SERVER=1 (node per
// call, ADR 0012). Start-up: `mvmctl --version`, `mvmctl ps` (empty MVM_HOME), `mvmctl invoke` of
// an instance that does not exist (exit 1), and `node -e 0` (the floor for anything in Node).
// Each route also runs with MVM_NO_BUNDLE=1 (tsc's dist/ instead of dist/bundle/, ADR 0012).
// Every figure is the median (and min) of `runs` runs after one warm-up round; the routes run
// interleaved (one run of each per round), so load from other processes spreads over all of them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const json = args.includes("--json");
const mvmctl = path.join(root, "packages/mvmctl/bin/mvmctl");
const client = path.join(root, "packages/mvmctl/native/build/mvmctl-client");
const out = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-"));
const home = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-home-"));
const node = process.execPath;
// The bench's own socket directories: the warm server lives in `xdg`; each "first call" run gets a
// fresh one (made by firstCallEnv, cleaned up after the run).
const xdg = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-xdg-"));
const xdgs = [xdg];
const noServer = { MVM_NO_SERVER: "1" };
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
if (!existsSync(client)) {
  console.error("warning: no native client (make -C packages/mvmctl/native): every route runs node");
}
/** Whether the launcher uses the compile server now (else the server routes run node). */
const serverExpected = () => existsSync(client) && bundleCurrent();
const bundleId = () =>
  /^\/\/ mvm-bundle ([0-9a-f]+)\n/.exec(
    readFileSync(path.join(root, "packages/mvmctl/dist/bundle/mvmctl.cjs"), "latin1").slice(0, 64),
  )?.[1];
const uid = process.getuid?.() ?? 0;
const sockDir = (x) => path.join(x, `mvm-cli-${uid}`);
const connects = (sock) =>
  new Promise((resolve) => {
    const c = net.connect(sock);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
/** Waits until the server of socket dir `x` accepts connections (false after 20 s). */
async function serverUp(x, id = bundleId()) {
  const sock = path.join(sockDir(x), `compile-${id}.sock`);
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20)))
    if (await connects(sock)) return true;
  return false;
}
function killServers(x) {
  const dir = sockDir(x);
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".pid"))) {
    try {
      process.kill(Number(readFileSync(path.join(dir, f), "utf8")), "SIGTERM");
    } catch {}
  }
}

/**
 * [label, command, args, extra env, expected exit status (default 0), first call?]. A first-call
 * route gets a fresh XDG_RUNTIME_DIR (no server) for each run.
 */
const pyArgs = ["compile", pyApp, "--out", path.join(out, "py"), "-q"];
const tsArgs = ["compile", tsApp, "--out", path.join(out, "ts"), "-q"];
const routes = [
  ["py  mvmctl compile (warm server)", mvmctl, pyArgs],
  ["py  mvmctl compile, first call (starts server)", mvmctl, pyArgs, {}, 0, true],
  ["py  mvmctl compile, MVM_NO_SERVER=1", mvmctl, pyArgs, noServer],
  ["py  mvmctl compile, no bundle", mvmctl, pyArgs, { MVM_NO_BUNDLE: "1" }],
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
  ["ts  mvmctl compile (warm server)", mvmctl, tsArgs],
  ["ts  mvmctl compile, first call (starts server)", mvmctl, tsArgs, {}, 0, true],
  ["ts  mvmctl compile, MVM_NO_SERVER=1", mvmctl, tsArgs, noServer],
  ["ts  mvmctl compile, no bundle", mvmctl, tsArgs, { MVM_NO_BUNDLE: "1" }],
  ["ts  in-process, node --import tsx", node, ["--import", "tsx", tsApp]],
  ["mvmctl --version", mvmctl, ["--version"]],
  ["mvmctl --version, no bundle", mvmctl, ["--version"], { MVM_NO_BUNDLE: "1" }],
  ["mvmctl ps (no instances)", mvmctl, ["ps"], { MVM_HOME: home }],
  ["mvmctl ps, no bundle", mvmctl, ["ps"], { MVM_HOME: home, MVM_NO_BUNDLE: "1" }],
  // Start-up, flags, the runtime stage and the instance lookup, ending in E_INSTANCE_NOT_FOUND.
  ["mvmctl invoke (no such instance)", mvmctl, ["invoke", "none", "--input", "a=1"], { MVM_HOME: home }, 1],
  [
    "mvmctl invoke, no bundle",
    mvmctl,
    ["invoke", "none", "--input", "a=1"],
    { MVM_HOME: home, MVM_NO_BUNDLE: "1" },
    1,
  ],
  ["node -e 0", node, ["-e", "0"]],
];

const samples = routes.map(() => []);
const startId = bundleId();
const base = { ...process.env, XDG_RUNTIME_DIR: xdg };
for (const k of ["MVM_NO_SERVER", "MVM_NO_BUNDLE", "NODE_OPTIONS"]) delete base[k];
for (let round = 0; round <= runs; round++) {
  for (const [i, [, cmd, argv, env, status = 0, first]] of routes.entries()) {
    const x = first ? mkdtempSync(path.join(os.tmpdir(), "mvm-bench-xdg-")) : xdg;
    if (first) xdgs.push(x);
    const id = bundleId();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, {
      cwd: root,
      env: { ...base, XDG_RUNTIME_DIR: x, ...env },
      encoding: "utf8",
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== status) throw new Error(`${cmd} ${argv.join(" ")} failed: ${r.stderr}`);
    if (round > 0) samples[i].push(ms); // round 0 warms the page cache (and starts the server)
    if (first) {
      // Not timed: the server that call started comes up, and goes (it would compete for the CPU).
      // (Unless someone rebuilt the CLI meanwhile: then the call may have run node only.)
      const rebuilt = id !== bundleId() || !serverExpected();
      if (!rebuilt && !(await serverUp(x, id))) throw new Error("the first call started no server");
      killServers(x);
      rmSync(x, { recursive: true, force: true });
    }
  }
  if (round === 0 && serverExpected() && !(await serverUp(xdg))) throw new Error("no compile server came up");
}
killServers(xdg);
for (const x of xdgs) rmSync(x, { recursive: true, force: true });

if (!bundleCurrent()) {
  console.error("warning: tsc's output changed during the run: some bundle figures are tsc's dist/");
}
if (bundleId() !== startId) {
  console.error("warning: the CLI was rebuilt during the run: warm-server figures include server restarts");
}
const stats = samples.map((s) => {
  const sorted = [...s].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0] };
});
const by = (label) => stats[routes.findIndex(([l]) => l.startsWith(label))];
const ratios = [
  [
    "py  compile / python3 on PATH",
    by("py  mvmctl compile (warm server)"),
    by("py  in-process, python3 on PATH"),
  ],
  [
    "py  compile / /usr/bin/python3",
    by("py  mvmctl compile (warm server)"),
    by("py  in-process, /usr/bin/python3"),
  ],
  [
    "py  MVM_NO_SERVER=1 / /usr/bin/python3",
    by("py  mvmctl compile, MVM_NO_SERVER=1"),
    by("py  in-process, /usr/bin/python3"),
  ],
  [
    "ts  compile / /usr/bin/python3",
    by("ts  mvmctl compile (warm server)"),
    by("py  in-process, /usr/bin/python3"),
  ],
  ["ts  compile / node --import tsx", by("ts  mvmctl compile (warm server)"), by("ts  in-process")],
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
