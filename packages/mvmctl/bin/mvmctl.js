#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`: tsc, then scripts/bundle-cli.mjs).
// It runs the bundle (dist/bundle/mvmctl.mjs: a few files instead of ~200 modules, ADR 0012)
// unless tsc wrote newer output since it was built (then the bundle would be stale code) or
// MVM_NO_BUNDLE=1; otherwise tsc's dist/cli/main.js, which behaves the same, only starts slower.
import { statSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

// The Python parser is tree-sitter compiled to WASM. By default V8 also compiles it with its
// optimizing tier up front, which costs ~130 ms per run; a CLI that parses one declaration is
// faster end to end with the baseline compiler alone. Set before any WASM is compiled.
setFlagsFromString("--liftoff-only");

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundle = process.env.MVM_NO_BUNDLE === "1" ? -1 : mtime("../dist/bundle/mvmctl.mjs");
const bundled =
  bundle > 0 && bundle >= Math.max(mtime("../dist/.tsbuildinfo"), mtime("../../ir/dist/.tsbuildinfo"));
const { main } = bundled ? await import("../dist/bundle/mvmctl.mjs") : await import("../dist/cli/main.js");

await main(process.argv.slice(2));
