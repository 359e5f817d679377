#!/usr/bin/env node
// The layering rule of packages/mvmctl/src (docs/architecture.md, "Layers"), checked on every
// relative import:
//   - a stage (compile, image, runtime) imports only itself and the shared layer below it: never
//     the CLI (cli/, commands/) and never another stage;
//   - the shared layer (lib/, secrets/, contracts/, home.ts) imports only itself;
//   - cli/ and commands/ reach a stage only through its front module (<stage>/index.ts).
// Exits 1 and lists every offending import.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../packages/mvmctl/src");
const STAGES = new Set(["compile", "image", "runtime"]);
const SHARED = new Set(["lib", "secrets", "contracts", "home.ts"]);
const TOP = new Set(["cli", "commands"]);

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith(".ts") ? [p] : [];
  });
}

/** The first path segment under src/: the layer a file belongs to. */
const layerOf = (file) => path.relative(root, file).split(path.sep)[0];
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

const problems = [];
const files = walk(root);
for (const file of files) {
  const from = layerOf(file);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT)) {
    const target = path.resolve(path.dirname(file), m[1]).replace(/\.js$/, ".ts");
    const rel = path.relative(root, target);
    if (rel.startsWith("..")) continue; // another package's files: not this rule's business
    const to = rel.split(path.sep)[0];
    if (to === from) continue;
    const where = `${path.relative(root, file)}: import "${m[1]}"`;
    if (STAGES.has(from) && !SHARED.has(to)) problems.push(`${where} (stage ${from} -> ${to})`);
    else if (SHARED.has(from) && !SHARED.has(to)) problems.push(`${where} (shared ${from} -> ${to})`);
    else if (TOP.has(from) && STAGES.has(to) && rel !== path.join(to, "index.ts"))
      problems.push(`${where} (${from} -> ${to} must go through ${to}/index.ts)`);
  }
}
if (files.length < 50) problems.push(`only ${files.length} files found under ${root}: is the path right?`);
if (problems.length) {
  console.error(`layering: ${problems.length} import(s) break the rule (docs/architecture.md, "Layers"):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.error(`layering: ${files.length} files, every import follows the rule`);
