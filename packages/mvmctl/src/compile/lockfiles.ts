// Lockfile integrity checks (E_LOCKFILE_NOT_FOUND, E_UNPINNED_DEPS): a declared lockfile must be in
// the bundle and must pin every package with an integrity hash, or the image is not reproducible.
import { readFile } from "node:fs/promises";
import { type Dependencies, type Diagnostic, diagnostic } from "@mvm/ir";
import { parse as parseToml } from "smol-toml";
import type { SourceBundle } from "./source-bundle.js";

/** Names of packages that lack an integrity hash; empty when all are pinned. */
export function unpinnedInUvLock(text: string): string[] {
  const doc = parseToml(text) as { package?: Record<string, unknown>[] };
  const missing: string[] = [];
  for (const pkg of doc.package ?? []) {
    const source = (pkg.source ?? {}) as Record<string, unknown>;
    // Packages from the workspace itself (editable/virtual/directory) have nothing to pin.
    if (!("registry" in source) && !("url" in source) && !("git" in source)) continue;
    const sdist = pkg.sdist as { hash?: string } | undefined;
    const wheels = (pkg.wheels ?? []) as { hash?: string }[];
    const hashed =
      (sdist?.hash ?? "").startsWith("sha256:") || wheels.some((w) => (w.hash ?? "").startsWith("sha256:"));
    if (!hashed && !("git" in source)) missing.push(String(pkg.name));
  }
  return missing;
}

/** requirements.txt from pip-tools: every requirement line needs --hash=sha256:... */
export function unpinnedInRequirements(text: string): string[] {
  const logical = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  const missing: string[] = [];
  for (const raw of logical) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line || line.startsWith("-")) continue;
    if (!/--hash=sha256:[0-9a-f]{64}/.test(line)) missing.push(line.split(/[\s=<>!~;[]/)[0]!);
  }
  return missing;
}

export function unpinnedInPackageLock(text: string): string[] {
  const doc = JSON.parse(text) as {
    packages?: Record<string, Record<string, unknown>>;
    dependencies?: Record<string, Record<string, unknown>>;
  };
  const missing: string[] = [];
  if (doc.packages) {
    for (const [key, pkg] of Object.entries(doc.packages)) {
      if (key === "" || pkg.link === true || !key.includes("node_modules/")) continue;
      if (typeof pkg.integrity !== "string" || !/^sha(256|384|512)-/.test(pkg.integrity))
        missing.push(key.replace(/^.*node_modules\//, ""));
    }
  } else if (doc.dependencies) {
    for (const [name, dep] of Object.entries(doc.dependencies))
      if (typeof dep.integrity !== "string") missing.push(name);
  }
  return missing;
}

/** yarn.lock / pnpm-lock.yaml: each resolved entry carries an integrity line. */
export function unpinnedInLineLock(text: string, kind: "yarn" | "pnpm"): string[] {
  const missing: string[] = [];
  const blocks = kind === "yarn" ? text.split(/\n(?=\S)/) : text.split(/\n(?= {2}\S)/);
  for (const block of blocks) {
    const head = block.split("\n")[0]!.trim();
    const isEntry =
      kind === "yarn"
        ? /^"?[^#\s].*:$/.test(head) && block.includes("resolved")
        : /^\S.*:$/.test(head) && block.includes("resolution:");
    if (isEntry && !/integrity[:\s]/.test(block)) missing.push(head.replace(/:$/, "").replace(/"/g, ""));
  }
  return missing;
}

export async function checkLockfile(
  deps: Dependencies | null,
  bundle: SourceBundle,
  irPath: string,
): Promise<Diagnostic[]> {
  if (!deps || deps.kind === "none") return [];
  const rel = deps.lockfile.replace(/^\.\//, "");
  const entry = bundle.entries.find((e) => e.path === rel && e.type === "file");
  if (!entry) {
    return [
      diagnostic(
        "E_LOCKFILE_NOT_FOUND",
        `${irPath}.lockfile`,
        `lockfile ${JSON.stringify(deps.lockfile)} is not in the bundled source`,
      ),
    ];
  }
  const text = await readFile(entry.abs, "utf8");
  let missing: string[];
  try {
    if (deps.kind === "python")
      missing =
        deps.tool === "uv" || rel.endsWith(".lock") ? unpinnedInUvLock(text) : unpinnedInRequirements(text);
    else if (deps.tool === "npm") missing = unpinnedInPackageLock(text);
    else missing = unpinnedInLineLock(text, deps.tool === "yarn" ? "yarn" : "pnpm");
  } catch (e) {
    return [
      diagnostic(
        "E_UNPINNED_DEPS",
        `${irPath}.lockfile`,
        `lockfile ${rel} cannot be read as a ${deps.kind === "python" ? deps.tool : deps.tool} lockfile: ${(e as Error).message}`,
        { location: { file: entry.abs } },
      ),
    ];
  }
  if (missing.length === 0) return [];
  const list =
    missing.slice(0, 5).join(", ") + (missing.length > 5 ? `, and ${missing.length - 5} more` : "");
  return [
    diagnostic(
      "E_UNPINNED_DEPS",
      `${irPath}.lockfile`,
      `lockfile ${rel} has packages without integrity hashes: ${list}`,
      { location: { file: entry.abs } },
    ),
  ];
}
