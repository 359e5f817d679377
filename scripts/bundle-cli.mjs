#!/usr/bin/env node
// Bundles the CLI (docs/adr/0012-cli-bundle.md): tsc's output under packages/mvmctl/dist/ (so it
// runs after `tsc -b`) becomes packages/mvmctl/dist/bundle/mvmctl.mjs plus one chunk per lazily
// imported stage, so `mvmctl compile` reads a handful of files instead of ~200 and never loads
// runtime or image code. bin/mvmctl.js uses the bundle when it is newer than tsc's output.
//
//   node scripts/bundle-cli.mjs [--metafile]
//
// - Native and WASM dependencies stay external (oxc-parser's binding, web-tree-sitter and its
//   .wasm, tree-sitter-python's .wasm, esbuild itself): they are loaded from node_modules as before.
// - Detached helpers started by path (runtime/network/egress-proxy-main.js and any other
//   `new URL("./x-main.js", import.meta.url)`) are not bundled: every `import.meta.url` in a
//   bundled file is rewritten to the URL of that file's twin in dist/, so paths computed from it
//   (helper entry points, agent/, tree-sitter-python's .wasm) resolve exactly as from tsc's output.
// - zod runs jitless in the bundle: a one-shot CLI validates each document once, so zod's
//   `new Function` fast path costs more to generate than it saves. Same checks, same messages.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = path.join(root, "packages/mvmctl");
const outdir = path.join(pkg, "dist/bundle");

/** import.meta.url in a bundled file -> the URL of the same file in tsc's dist/ (see above). */
const importMetaUrl = {
  name: "mvm-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /[\\/]packages[\\/](mvmctl|ir|sdk)[\\/]dist[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (/\bz\.locales\b|["']zod\/(v4\/)?locales|\{[^}]*\blocales\b[^}]*\}\s*from\s*["']zod/.test(text)) {
        return { errors: [{ text: `${args.path} uses zod's locales, which the CLI bundle leaves out` }] };
      }
      if (!text.includes("import.meta")) return undefined;
      const other = text.match(/import\.meta\.(?!url\b)\w+/);
      if (other) {
        return { errors: [{ text: `${other[0]} is not supported in the CLI bundle (${args.path})` }] };
      }
      const rel = path.relative(outdir, args.path).split(path.sep).join("/");
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "js" };
    });
  },
};

/** zod's global config starts as { jitless: true } (see above); the build fails if zod moved it. */
const zodJitless = {
  name: "mvm-zod-jitless",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]core\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const from = "(_a.__zod_globalConfig = {})";
      if (!text.includes(from)) {
        return { errors: [{ text: `zod changed: "${from}" not found in ${args.path}` }] };
      }
      return { contents: text.replace(from, "(_a.__zod_globalConfig = { jitless: true })"), loader: "js" };
    });
  },
};

/**
 * zod's `z.locales` namespace (366 KB of translated messages, ~a third of zod) is re-exported by
 * `z` and so survives tree-shaking although mvm never calls it: the bundle keeps English only,
 * which zod configures itself. The build fails if mvm's sources start to use `locales` (above).
 */
const zodEnglishOnly = {
  name: "mvm-zod-english-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
      resolveDir: path.dirname(args.path),
    }));
  },
};

const result = await esbuild.build({
  absWorkingDir: pkg,
  entryPoints: { mvmctl: path.join(pkg, "dist/cli/main.js") },
  outdir,
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // jsonc-parser's "main" is UMD with a dynamic require: take the ESM build.
  mainFields: ["module", "main"],
  external: ["oxc-parser", "web-tree-sitter", "tree-sitter-python", "esbuild"],
  // Bundled CommonJS dependencies (commander, picomatch, ...) require() Node's built-ins.
  banner: {
    js: 'import { createRequire as __mvmCreateRequire } from "node:module"; const require = __mvmCreateRequire(import.meta.url);',
  },
  plugins: [importMetaUrl, zodJitless, zodEnglishOnly],
  legalComments: "none",
  metafile: true,
  write: false,
  logLevel: "warning",
});

// Other processes may be running the CLI from this directory while it is rebuilt: chunks have
// content-hashed names and are written first, the entry last and atomically, and chunks no build
// refers to any more are removed only when they are an hour old.
mkdirSync(outdir, { recursive: true });
const written = new Set();
let entry;
for (const f of result.outputFiles) {
  const name = path.basename(f.path);
  // A bundled CommonJS file that used __dirname/__filename would now see undefined (comments aside).
  const cjsPath = f.text
    .split("\n")
    .find((l) => /\b__(dirname|filename)\b/.test(l) && !/^\s*(\*|\/\/)/.test(l));
  if (cjsPath) throw new Error(`${name}: __dirname/__filename in the bundle: ${cjsPath.trim()}`);
  written.add(name);
  if (name === "mvmctl.mjs") entry = f;
  else if (!existsSync(f.path) || readFileSync(f.path, "utf8") !== f.text) writeFileSync(f.path, f.contents);
  if (process.argv.includes("--metafile")) console.log(`${String(f.contents.length).padStart(8)}  ${name}`);
}
if (!entry) throw new Error("no mvmctl.mjs in the build output");
const tmp = `${entry.path}.${process.pid}.tmp`;
writeFileSync(tmp, entry.contents);
renameSync(tmp, entry.path);
for (const name of readdirSync(outdir)) {
  const p = path.join(outdir, name);
  if (!written.has(name) && Date.now() - statSync(p).mtimeMs > 3600_000) unlinkSync(p);
}
if (process.argv.includes("--metafile")) {
  writeFileSync(path.join(outdir, "meta.json"), JSON.stringify(result.metafile));
}
