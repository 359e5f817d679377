#!/usr/bin/env node
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
// Bundles the CLI (docs/adr/0012-cli-bundle.md): tsc's output under packages/mvmctl/dist/ (so it
// runs after `tsc -b`) becomes one CommonJS file, packages/mvmctl/dist/bundle/mvmctl.cjs, plus a
// V8 code cache for it (mvmctl-<build id>.cache), made by one training run of
// `mvmctl compile examples/python/hello-app/app.py`. bin/mvmctl.js runs the bundle through
// vm.Script with that cache (Node 20 has no module compile cache) unless tsc wrote newer output.
// Stages stay lazy: esbuild turns each `await import("../stage/index.js")` into a wrapper that
// evaluates the stage's modules on first use, so `compile` never runs runtime or image code.
//
//   node scripts/bundle-cli.mjs [--metafile]
//
// - Native and WASM dependencies stay external (oxc-parser's binding, web-tree-sitter and its
//   .wasm, tree-sitter-python's .wasm, esbuild itself): they are loaded from node_modules as before.
// - Detached helpers started by path (runtime/network/egress-proxy-main.js, the fetch broker, any
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
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
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
      const url = `new URL(${JSON.stringify(rel)}, require("node:url").pathToFileURL(__filename)).href`;
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

// The build id ties the code cache to this exact source: V8 checks a cache against the source's
// length only, so a cache must never be read for a different file of the same length.
const id = randomBytes(8).toString("hex");
const result = await esbuild.build({
  absWorkingDir: pkg,
  entryPoints: [path.join(pkg, "dist/cli/main.js")],
  outfile: path.join(outdir, "mvmctl.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // jsonc-parser's "main" is UMD with a dynamic require: take the ESM build.
  mainFields: ["module", "main"],
  external: ["oxc-parser", "web-tree-sitter", "tree-sitter-python", "esbuild"],
  banner: { js: `// mvm-bundle ${id}` },
  plugins: [importMetaUrl, zodJitless, zodEnglishOnly],
  legalComments: "none",
  // Less source to read before V8 takes the cached code: ~4 ms per run. Names stay as written.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  write: false,
  logLevel: "error",
});
const importMeta = result.warnings.filter((w) => w.text.includes("import.meta"));
if (importMeta.length > 0) {
  throw new Error(
    `import.meta in a bundled dependency: ${importMeta.map((w) => w.location?.file).join(", ")}`,
  );
}
const [out] = result.outputFiles;
if (!out || result.outputFiles.length !== 1) throw new Error("expected exactly one output file");
// A bundled file that used __dirname/__filename would now see the bundle's. The minified output
// has no comments; the only use allowed is the import.meta.url rewrite above.
const dirnameUse = out.text
  .replaceAll('require("node:url").pathToFileURL(__filename)', "")
  .match(/.{0,60}\b__(dirname|filename)\b.{0,60}/);
if (dirnameUse) throw new Error(`__dirname/__filename in the bundle: ${dirnameUse[0]}`);

// Other processes may be running the CLI from this directory while it is rebuilt: the bundle is
// one file, replaced atomically; a cache is written (by the launcher) under the id it belongs to;
// files no build refers to any more are removed (below).
mkdirSync(outdir, { recursive: true });
const tmp = `${out.path}.${process.pid}.tmp`;
writeFileSync(tmp, out.contents);
renameSync(tmp, out.path);
const cache = `mvmctl-${id}.cache`;

// The training run: the launcher writes the cache after it ran (MVM_BUNDLE_WRITE_CACHE=1). A failed
// run leaves no cache: the bundle then compiles from source, as without one.
const trainOut = path.join(os.tmpdir(), `mvm-bundle-train-${process.pid}`);
const train = spawnSync(
  process.execPath,
  [
    path.join(pkg, "bin/mvmctl.js"),
    "compile",
    path.join(root, "examples/python/hello-app/app.py"),
    "--out",
    trainOut,
    "-q",
  ],
  {
    cwd: root,
    env: { ...process.env, MVM_BUNDLE_WRITE_CACHE: "1", MVM_NO_BUNDLE: "" },
    encoding: "utf8",
    timeout: 120_000,
  },
);
rmSync(trainOut, { recursive: true, force: true });
if (train.status !== 0 || !existsSync(path.join(outdir, cache))) {
  console.error(
    `warning: no code cache for the CLI bundle (training run: ${train.error?.message ?? train.stderr.trim()})`,
  );
}

// A running CLI read its bundle and cache when it started, so an older build's cache (860 KB) can
// go once no concurrent build can still be training it; anything else after an hour.
for (const name of readdirSync(outdir)) {
  const p = path.join(outdir, name);
  const maxAge = /^mvmctl-[0-9a-f]+\.cache$/.test(name) ? 60_000 : 3600_000;
  if (name !== "mvmctl.cjs" && name !== cache && Date.now() - statSync(p).mtimeMs > maxAge) unlinkSync(p);
}
if (process.argv.includes("--metafile")) {
  writeFileSync(path.join(outdir, "meta.json"), JSON.stringify(result.metafile));
  console.log(
    `${out.contents.length} bytes, cache ${existsSync(path.join(outdir, cache)) ? statSync(path.join(outdir, cache)).size : 0} bytes`,
  );
}
