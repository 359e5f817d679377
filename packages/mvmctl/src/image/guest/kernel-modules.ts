// Picks the kernel modules the guest needs and orders them so each loads after its dependencies.
// Debian's kernel package ships no modules.dep (depmod runs at install time), so dependencies are
// read from each module's own .modinfo "depends=" field. Modules built into the kernel
// (modules.builtin) need nothing.
//
// Each module is also marked with when the guest needs it: always (bus drivers, filesystems and
// what they depend on), or only when a device it drives is present. A device driver's condition is
// its own .modinfo "alias=" patterns for the buses init can enumerate before loading anything
// (virtio, PCI: /sys/bus/{virtio,pci}/devices/*/modalias); a dependency only conditional modules
// need inherits the union of their patterns. init (agent/src/init.c) matches them fnmatch-style,
// as modprobe does, and skips a driver whose device is absent.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export interface ModuleFile {
  name: string;
  /** Path relative to lib/modules/<release>. */
  rel: string;
  abs: string;
  /**
   * Device modalias patterns of which one must match a present device for the module to be
   * loaded; empty: always loaded.
   */
  when: string[];
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

/**
 * The .modinfo section of an ELF64 little-endian module ("key=value" strings separated by NULs),
 * or the whole file when it is not one (the strings are then found by their NUL-prefixed keys).
 */
export function modinfoSection(bytes: Buffer): Buffer {
  const elf64le =
    bytes.length >= 64 && bytes.readUInt32BE(0) === 0x7f454c46 && bytes[4] === 2 && bytes[5] === 1;
  if (!elf64le) return bytes;
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  const shstrndx = bytes.readUInt16LE(0x3e);
  if (shentsize < 64 || shstrndx >= shnum || shoff + shnum * shentsize > bytes.length) return bytes;
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return {
      name: bytes.readUInt32LE(h),
      offset: Number(bytes.readBigUInt64LE(h + 0x18)),
      size: Number(bytes.readBigUInt64LE(h + 0x20)),
    };
  };
  const strtab = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const at = strtab.offset + s.name;
    const end = bytes.indexOf(0, at);
    if (end < 0 || bytes.toString("latin1", at, end) !== ".modinfo") continue;
    if (s.offset + s.size > bytes.length) return bytes;
    // A leading NUL so every key, the first included, is found as "\0key=".
    return Buffer.concat([Buffer.alloc(1), bytes.subarray(s.offset, s.offset + s.size)]);
  }
  return bytes;
}

/** Every value of `key` in a module's .modinfo strings, in order. */
export function modinfoValues(bytes: Buffer, key: string): string[] {
  const info = modinfoSection(bytes);
  const marker = Buffer.from(`\0${key}=`);
  const out: string[] = [];
  for (let at = info.indexOf(marker); at >= 0; at = info.indexOf(marker, at + 1)) {
    const start = at + marker.length;
    const end = info.indexOf(0, start);
    out.push(info.subarray(start, end < 0 ? undefined : end).toString("latin1"));
  }
  return out;
}

/** The "depends=" list from a module's .modinfo strings. */
export function moduleDepends(bytes: Buffer): string[] {
  const list = modinfoValues(bytes, "depends")[0] ?? "";
  return list ? list.split(",").filter(Boolean).map(normalizeModuleName) : [];
}

/** The "alias=" patterns from a module's .modinfo strings. */
export function moduleAliases(bytes: Buffer): string[] {
  return modinfoValues(bytes, "alias");
}

/**
 * Modalias prefixes of the buses init enumerates before loading drivers: virtio devices (listed
 * once virtio_mmio or virtio_pci is loaded) and PCI devices (enumerated by the kernel itself).
 */
export const DEVICE_BUSES = ["virtio:", "pci:"] as const;

/** Characters a device pattern may hold: the list format separates patterns with "," and tabs. */
const PATTERN = /^[A-Za-z0-9:*?_.[\]-]+$/;

/**
 * The device patterns a wanted module is conditional on, or [] (always) when it has no alias or
 * any alias that is not a device on an enumerated bus (a filesystem, a platform/ACPI device).
 */
export function deviceCondition(aliases: string[]): string[] {
  if (!aliases.length) return [];
  const device = (a: string) => DEVICE_BUSES.some((b) => a.startsWith(b)) && PATTERN.test(a);
  return aliases.every(device) ? [...new Set(aliases)].sort() : [];
}

export interface ModulePlan {
  /** In load order: dependencies first, and the always-loaded ones before the conditional ones. */
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
  const order: { name: string; abs: string; deps: string[]; aliases: string[] }[] = [];
  const seen = new Set<string>();
  const builtin: string[] = [];
  const missing: string[] = [];
  // Depth-first post-order: a module is appended after everything it depends on.
  const visit = (name: string) => {
    const n = normalizeModuleName(name);
    if (seen.has(n)) return;
    seen.add(n);
    const abs = index.get(n);
    if (!abs) {
      (builtinSet.has(n) ? builtin : missing).push(n);
      return;
    }
    const bytes = moduleBytes(abs);
    const deps = moduleDepends(bytes);
    for (const dep of deps) visit(dep);
    order.push({ name: n, abs, deps, aliases: moduleAliases(bytes) });
  };
  for (const w of wanted) visit(w);

  // Conditions, dependents before their dependencies (reverse load order): a wanted module starts
  // with its own (deviceCondition), a dependency with nothing; "always" wins over any pattern set
  // and a dependency of conditional modules takes the union of theirs.
  const roots = new Set(wanted.map(normalizeModuleName));
  const always = new Set<string>();
  const when = new Map<string, Set<string>>();
  for (const m of order) {
    if (!roots.has(m.name)) continue;
    const c = deviceCondition(m.aliases);
    if (c.length) when.set(m.name, new Set(c));
    else always.add(m.name);
  }
  for (const m of [...order].reverse()) {
    for (const d of m.deps) {
      if (always.has(d)) continue;
      if (always.has(m.name)) {
        always.add(d);
        when.delete(d);
        continue;
      }
      const set = when.get(d) ?? new Set<string>();
      for (const p of when.get(m.name) ?? []) set.add(p);
      when.set(d, set);
    }
  }
  const planned = order.map(
    (m): ModuleFile => ({
      name: m.name,
      rel: relative(modulesDir, m.abs),
      abs: m.abs,
      when: always.has(m.name) ? [] : [...(when.get(m.name) ?? [])].sort(),
    }),
  );
  // Always-loaded modules first: they include the bus drivers that make devices visible. Either
  // subsequence keeps dependency order (an always module depends only on always modules).
  const modules = [...planned.filter((m) => !m.when.length), ...planned.filter((m) => m.when.length)];
  return { modules, builtin: builtin.sort(), missing: missing.sort() };
}
