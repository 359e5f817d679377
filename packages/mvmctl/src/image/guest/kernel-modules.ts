// Picks the kernel modules the guest needs and orders them so each loads after its dependencies.
// Debian's kernel package ships no modules.dep (depmod runs at install time), so dependencies are
// read from each module's own .modinfo "depends=" field. Modules built into the kernel
// (modules.builtin) need nothing.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export interface ModuleFile {
  name: string;
  /** Path relative to lib/modules/<release>. */
  rel: string;
  abs: string;
}

/** Module names treat "-" and "_" alike. */
export function normalizeModuleName(n: string): string {
  return n.replace(/-/g, "_");
}

function moduleNameOf(file: string): string {
  return normalizeModuleName(file.replace(/^.*\//, "").replace(/\.ko(\.(xz|zst|gz))?$/, ""));
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) out.push(p);
  }
}

/** The bytes of a module, decompressed if the package ships it compressed. */
export function moduleBytes(abs: string): Buffer {
  if (abs.endsWith(".xz")) return execFileSync("xz", ["-dc", abs], { maxBuffer: 1 << 28 });
  if (abs.endsWith(".zst")) return execFileSync("zstd", ["-dcq", abs], { maxBuffer: 1 << 28 });
  if (abs.endsWith(".gz")) return execFileSync("gzip", ["-dc", abs], { maxBuffer: 1 << 28 });
  return readFileSync(abs);
}

/** The "depends=" list from a module's .modinfo strings. */
export function moduleDepends(bytes: Buffer): string[] {
  const marker = Buffer.from("\0depends=");
  const at = bytes.indexOf(marker);
  if (at < 0) return [];
  const start = at + marker.length;
  const end = bytes.indexOf(0, start);
  const list = bytes.subarray(start, end < 0 ? undefined : end).toString("latin1");
  return list ? list.split(",").filter(Boolean).map(normalizeModuleName) : [];
}

export interface ModulePlan {
  /** In load order (dependencies first). */
  modules: ModuleFile[];
  builtin: string[];
  missing: string[];
}

export async function planModules(modulesDir: string, wanted: string[]): Promise<ModulePlan> {
  const files: string[] = [];
  await walk(join(modulesDir, "kernel"), files);
  const index = new Map(files.map((f) => [moduleNameOf(f), f]));
  const builtinPath = join(modulesDir, "modules.builtin");
  const builtinSet = new Set(
    existsSync(builtinPath)
      ? readFileSync(builtinPath, "utf8").split("\n").filter(Boolean).map(moduleNameOf)
      : [],
  );
  const order: ModuleFile[] = [];
  const seen = new Set<string>();
  const builtin: string[] = [];
  const missing: string[] = [];
  // Depth-first post-order: a module is appended after everything it depends on.
  const visit = (name: string, chain: string[]) => {
    const n = normalizeModuleName(name);
    if (seen.has(n)) return;
    seen.add(n);
    const abs = index.get(n);
    if (!abs) {
      (builtinSet.has(n) ? builtin : missing).push(n);
      return;
    }
    for (const dep of moduleDepends(moduleBytes(abs))) visit(dep, [...chain, n]);
    order.push({ name: n, rel: relative(modulesDir, abs), abs });
  };
  for (const w of wanted) visit(w, []);
  return { modules: order, builtin: builtin.sort(), missing: missing.sort() };
}
