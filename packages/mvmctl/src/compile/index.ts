// The compile stage's front module: a declaration, IR or recording -> the compiled directory (or
// .tgz) that `build` reads. The CLI reaches compile only through here (scripts/lint-layers.mjs).

export { compile } from "./compile.js";
export { findOnPath, resolvePython, resolveTsRunner } from "./record/resolve-runner.js";
export { runRecordScript } from "./record/run-script.js";
