#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`).
import { setFlagsFromString } from "node:v8";
import { main } from "../dist/cli/main.js";

// The Python parser is tree-sitter compiled to WASM. By default V8 also compiles it with its
// optimizing tier up front, which costs ~130 ms per run; a CLI that parses one declaration is
// faster end to end with the baseline compiler alone. Set before any WASM is compiled.
setFlagsFromString("--liftoff-only");

await main(process.argv.slice(2));
