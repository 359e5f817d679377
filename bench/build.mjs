#!/usr/bin/env node
// Build times: `mvmctl build --force` of every examples/ workload with a warm base cache, and the
// builder VM's overhead (a trivial `before_build=mvm.hook("true")` vs none) (bench/SPEC.md).
//   node bench/build.mjs [runs=1] [--json] [--only=NAME,...] [--no-overhead]
// Each workload is compiled once, built once unforced (warms the base rootfs, .debs, wheels and
// npm caches for its package set; not reported), then built `runs` times with --force; the figure
// is the median wall time of those (min and max too). The overhead pair is built `max(runs, 3)`
// times each, interleaved. MVM_HOME is a fresh temporary dir (empty store); the cache is
// $MVM_CACHE_DIR, else ~/.mvm/cache, shared so base tarballs stay warm across runs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 1);
const json = args.includes("--json");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const overhead = !args.includes("--no-overhead");
const mvmctl = path.join(root, "packages/mvmctl/bin/mvmctl.js");
const work = mkdtempSync(path.join(os.tmpdir(), "mvm-bench-build-"));
const env = {
  ...process.env,
  MVM_HOME: path.join(work, "home"),
  MVM_CACHE_DIR: process.env.MVM_CACHE_DIR ?? path.join(os.homedir(), ".mvm/cache"),
};

function cli(argv, what) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [mvmctl, ...argv], { env, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(`${what}: exit ${r.status}\n${r.stderr.slice(-3000)}\n`);
    process.exit(1);
  }
  return { ms, stderr: r.stderr };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => (ms / 1000).toFixed(1);
const summary = (xs) => ({
  median_s: +sec(median(xs)),
  min_s: +sec(Math.min(...xs)),
  max_s: +sec(Math.max(...xs)),
});

function compile(file, name) {
  const out = path.join(work, "compiled", name);
  mkdirSync(path.dirname(out), { recursive: true });
  cli(["compile", file, "--out", out, "-q"], `compile ${name}`);
  return out;
}

/** Unforced build (warm-up), then `n` forced builds; returns the forced wall times. */
function timeBuilds(compiled, name, n) {
  const warm = cli(["build", compiled, "-q"], `build ${name}`);
  const times = [];
  let builder = false;
  for (let i = 0; i < n; i++) {
    const r = cli(["build", compiled, "--force"], `build --force ${name}`);
    builder ||= /builder VM: booting/.test(r.stderr);
    times.push(r.ms);
  }
  return { times, warmMs: warm.ms, builder };
}

const rows = [];
for (const lang of ["python", "node"]) {
  const dir = path.join(root, "examples", lang);
  for (const ex of readdirSync(dir).sort()) {
    const name = `${lang}/${ex}`;
    if (only && !only.some((o) => name.includes(o))) continue;
    const file = ["app.py", "app.ts"].map((f) => path.join(dir, ex, f)).find(existsSync);
    if (!file) continue;
    const compiled = compile(file, name);
    const { times, warmMs, builder } = timeBuilds(compiled, name, runs);
    const row = { workload: name, builder, first_s: +sec(warmMs), ...summary(times), runs: times.length };
    rows.push(row);
    if (!json)
      console.log(
        `${name.padEnd(20)} forced ${sec(median(times)).padStart(6)} s (min ${sec(Math.min(...times))}, max ${sec(Math.max(...times))}, n=${times.length})  first ${sec(warmMs)} s${builder ? "  [builder VM]" : ""}`,
      );
  }
}

let pair;
if (overhead) {
  const decl = (hook) =>
    [
      "import mvm",
      "",
      `@mvm.app(name="bench-hook", image=mvm.python_image()${hook ? ', before_build=mvm.hook("true")' : ""})`,
      "def f() -> str:",
      '    return "x"',
      "",
    ].join("\n");
  const n = Math.max(runs, 3);
  const compiledOf = (hook) => {
    const src = path.join(work, hook ? "with-hook" : "no-hook");
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, "app.py"), decl(hook));
    const c = compile(path.join(src, "app.py"), hook ? "with-hook" : "no-hook");
    cli(["build", c, "-q"], "warm-up");
    return c;
  };
  const plain = compiledOf(false);
  const hooked = compiledOf(true);
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    a.push(cli(["build", plain, "--force", "-q"], "no hook").ms);
    b.push(cli(["build", hooked, "--force", "-q"], "hook").ms);
  }
  pair = { without: summary(a), with_hook: summary(b), overhead_s: +sec(median(b) - median(a)), runs: n };
  if (!json)
    console.log(
      `builder overhead (python, before_build=mvm.hook("true")): ${sec(median(b))} s vs ${sec(median(a))} s without = +${sec(median(b) - median(a))} s (n=${n})`,
    );
}

if (json) console.log(JSON.stringify({ rows, builder_overhead: pair }, null, 2));
