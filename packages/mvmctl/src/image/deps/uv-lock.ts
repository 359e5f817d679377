// uv.lock -> the exact wheels the guest needs. uv.lock is a universal resolution (every platform,
// every Python the project allows), so the set is found by walking the dependency graph from the
// project's own package(s) and keeping an edge only when its marker holds in the guest. Dev
// dependency groups are not followed (the image is for running, as `npm ci --omit=dev`).
import { MvmError } from "@mvm/ir/errors";
import { parse as parseToml } from "smol-toml";
import { evalMarker } from "./markers.js";
import { guestPlatforms, guestScore, parseWheelName } from "./wheel-tags.js";

interface LockDep {
  name: string;
  version?: string;
  marker?: string;
  extra?: string[];
}

interface LockWheel {
  url?: string;
  path?: string;
  filename?: string;
  hash?: string;
}

interface LockPackage {
  name: string;
  version?: string;
  source?: Record<string, string>;
  dependencies?: LockDep[];
  "optional-dependencies"?: Record<string, LockDep[]>;
  "resolution-markers"?: string[];
  wheels?: LockWheel[];
  sdist?: { url?: string; hash?: string };
}

/** One wheel to install: where to find it and the sha256 the lock pins for it. */
export interface PlannedWheel {
  name: string;
  version: string;
  filename: string;
  /** Download location recorded in the lock (absent for path sources). */
  url?: string;
  /** Lock-relative path of a wheel from a `path` source. */
  path?: string;
  sha256: string;
  /** Guest-compatible platform tags of the chosen wheel (pip needs them spelled out). */
  platforms: string[];
}

export interface UvPlan {
  wheels: PlannedWheel[];
  /** The project's own packages (editable/virtual): their code is the bundle, nothing to install. */
  projects: string[];
}

const fail = (lockfile: string, msg: string): never => {
  throw new MvmError("E_BUILD_DEPS_FAILED", `${lockfile}: ${msg}`);
};

function isProject(p: LockPackage): boolean {
  return p.source !== undefined && ("editable" in p.source || "virtual" in p.source);
}

function basename(urlOrPath: string): string {
  const path = /^[a-z]+:\/\//i.test(urlOrPath) ? new URL(urlOrPath).pathname : urlOrPath;
  return decodeURIComponent(path.split("/").pop() ?? "");
}

function chooseWheel(p: LockPackage, lockfile: string): PlannedWheel {
  const id = `${p.name}==${p.version ?? "?"}`;
  const src = p.source ?? {};
  if ("git" in src || "directory" in src || "editable" in src) {
    const kind = Object.keys(src)[0];
    fail(lockfile, `${id} comes from a ${kind} source; the build installs locked wheels only`);
  }
  const candidates = (p.wheels ?? []).map((w) => {
    const location = w.url ?? w.path ?? src.url ?? src.path ?? "";
    const filename = w.filename ?? basename(location);
    return { w, filename, parsed: parseWheelName(filename) };
  });
  let best: (typeof candidates)[number] | undefined;
  let bestScore = 0;
  for (const c of candidates) {
    const s = c.parsed ? guestScore(c.parsed) : 0;
    if (s > bestScore) [best, bestScore] = [c, s];
  }
  if (!best?.parsed) {
    if (candidates.length === 0 && p.sdist) {
      return fail(
        lockfile,
        `${id} is locked as a source distribution only; the build does not compile sdists. Build a wheel for CPython 3.11 (manylinux x86_64 or py3-none-any), or depend on a release that publishes one`,
      );
    }
    const have = candidates.map((c) => c.filename).join(", ") || "none";
    return fail(
      lockfile,
      `${id} has no wheel for the guest (CPython 3.11, x86_64, glibc ${"2.36"}); locked wheels: ${have}`,
    );
  }
  const hash = best.w.hash ?? "";
  if (!/^sha256:[0-9a-f]{64}$/.test(hash))
    fail(lockfile, `${id}: wheel ${best.filename} has no sha256 hash in the lock`);
  return {
    name: p.name,
    version: p.version ?? best.parsed.version,
    filename: best.filename,
    url: best.w.url ?? (src.url?.endsWith(".whl") ? src.url : undefined),
    path: best.w.path ?? src.path,
    sha256: hash.slice("sha256:".length),
    platforms: guestPlatforms(best.parsed),
  };
}

/** The wheels to install for the guest, from the text of a uv.lock. */
export function planUvLock(text: string, lockfile = "uv.lock"): UvPlan {
  let doc: { package?: LockPackage[] };
  try {
    doc = parseToml(text) as { package?: LockPackage[] };
  } catch (e) {
    return fail(lockfile, `not valid TOML: ${(e as Error).message}`);
  }
  const packages = doc.package ?? [];
  const byName = new Map<string, LockPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);

  // A name can be locked at several versions (uv "forks" by marker); the edge then names the
  // version, else the fork whose resolution-markers hold in the guest is the one.
  const resolve = (d: LockDep): LockPackage => {
    let c = byName.get(d.name) ?? [];
    if (d.version) c = c.filter((p) => p.version === d.version);
    if (c.length > 1) c = c.filter((p) => (p["resolution-markers"] ?? []).some((m) => evalMarker(m)));
    if (c.length !== 1) {
      return fail(
        lockfile,
        `dependency ${d.name}${d.version ? `==${d.version}` : ""} matches ${c.length} locked packages`,
      );
    }
    return c[0]!;
  };

  const roots = packages.filter(isProject);
  if (roots.length === 0) fail(lockfile, "no project package (a package with an editable or virtual source)");
  const seen = new Map<LockPackage, Set<string>>();
  const visit = (p: LockPackage, extras: string[]): void => {
    const done = seen.get(p);
    const fresh = done ? extras.filter((e) => !done.has(e)) : extras;
    if (done && fresh.length === 0) return;
    const edges = done ? [] : [...(p.dependencies ?? [])];
    for (const e of fresh) edges.push(...(p["optional-dependencies"]?.[e] ?? []));
    seen.set(p, new Set([...(done ?? []), ...fresh]));
    for (const d of edges) if (evalMarker(d.marker)) visit(resolve(d), d.extra ?? []);
  };
  for (const r of roots) visit(r, []);

  const wheels = [...seen.keys()]
    .filter((p) => !isProject(p))
    .map((p) => chooseWheel(p, lockfile))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { wheels, projects: roots.map((r) => r.name).sort() };
}
