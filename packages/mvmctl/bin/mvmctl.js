#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`: tsc, then scripts/bundle-cli.mjs).
// It runs the bundle, dist/bundle/mvmctl.cjs, with the V8 code cache the build made for it
// (ADR 0012), unless tsc wrote newer output since (the bundle would be stale code), Node cannot
// require() ES modules (oxc-parser is one; Node < 20.19) or MVM_NO_BUNDLE=1. Otherwise it runs
// tsc's dist/cli/main.js, which behaves the same and only starts slower.
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import vm from "node:vm";

// The Python parser is tree-sitter compiled to WASM. By default V8 also compiles it with its
// optimizing tier up front, which costs ~130 ms per run; a CLI that parses one declaration is
// faster end to end with the baseline compiler alone. Set before any WASM is compiled (and before
// the bundle is compiled: V8 accepts a code cache only under the flags it was made with).
setFlagsFromString("--liftoff-only");

const file = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const mtime = (rel) => statSync(file(rel), { throwIfNoEntry: false })?.mtimeMs ?? -1;

/** Compiles and runs the bundle (with its code cache when there is one) and returns its exports. */
function loadBundle(path) {
  const source = readFileSync(path, "utf8");
  const id = /^\/\/ mvm-bundle ([0-9a-f]+)\n/.exec(source)?.[1];
  const cache = id && join(dirname(path), `mvmctl-${id}.cache`);
  const writeCache = process.env.MVM_BUNDLE_WRITE_CACHE === "1";
  let cachedData;
  if (cache && !writeCache) {
    try {
      cachedData = readFileSync(cache);
    } catch {}
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: path,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(path), module, path, dirname(path));
  if (writeCache && cache) {
    // The build's training run: after main() returned, so the cache holds what it compiled.
    process.once("beforeExit", () => {
      const tmp = `${cache}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cache);
    });
  }
  return module.exports;
}

const bundle = process.env.MVM_NO_BUNDLE === "1" ? -1 : mtime("../dist/bundle/mvmctl.cjs");
const bundled =
  bundle > 0 &&
  process.features.require_module === true &&
  bundle >= Math.max(mtime("../dist/.tsbuildinfo"), mtime("../../ir/dist/.tsbuildinfo"));
const { main } = bundled
  ? loadBundle(file("../dist/bundle/mvmctl.cjs"))
  : await import("../dist/cli/main.js");

await main(process.argv.slice(2));
