// Bakes the source bundle at /app and makes TypeScript runnable by the guest's Node (18, which has
// no type stripping): each .ts/.mts/.cts/.tsx gets a sibling .mjs, with relative imports of .ts
// files rewritten to the .mjs names. The .ts files stay, so stack traces can be read against them.
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { transform } from "esbuild";

const TS_FILE = /\.(ts|mts|cts|tsx)$/;

/** Rewrites relative specifiers that end in a TypeScript extension to `.mjs`. */
export function rewriteTsImports(code: string): string {
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*?)\.(ts|mts|cts|tsx)\2/g,
    (_m, pre: string, q: string, spec: string) => `${pre}${q}${spec}.mjs${q}`,
  );
}

export async function transpileFile(source: string, file: string): Promise<string> {
  if (file.endsWith(".d.ts")) return "";
  const loader = file.endsWith(".tsx") ? "tsx" : "ts";
  const out = await transform(source, {
    loader,
    format: "esm",
    target: "node18",
    sourcefile: file,
    jsx: "automatic",
  });
  return rewriteTsImports(out.code);
}

async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== "node_modules") out.push(...(await walk(dir, r)));
    } else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

/** Transpiles every TypeScript file under `appDir` in place; returns the .mjs files written. */
export async function transpileTree(appDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const rel of await walk(appDir)) {
    if (!TS_FILE.test(rel) || rel.endsWith(".d.ts")) continue;
    const code = await transpileFile(await readFile(join(appDir, rel), "utf8"), rel);
    const target = rel.replace(TS_FILE, ".mjs");
    await writeFile(join(appDir, target), code, { mode: 0o644 });
    written.push(target);
  }
  return written;
}

/** Copies the compiled src/ to the guest's /app, keeping modes, then transpiles TypeScript. */
export async function bakeBundle(srcDir: string, appDir: string): Promise<string[]> {
  await cp(srcDir, appDir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: false });
  return transpileTree(appDir);
}
