// Which wheel of a locked package runs in the guest: CPython 3.11 on x86_64 glibc 2.36 (Debian
// bookworm). Done here rather than left to pip so that the choice, and a clear error when there
// is none (sdist-only, or wheels only for other platforms), do not depend on the host's pip.

/** bookworm's glibc; manylinux_2_X wheels with X above it would not load. */
export const GUEST_GLIBC: [number, number] = [2, 36];
const GUEST_PY: [number, number] = [3, 11];

export interface WheelName {
  name: string;
  version: string;
  python: string[];
  abi: string[];
  platform: string[];
}

/** Parses `{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl` (tags may be dot-joined sets). */
export function parseWheelName(filename: string): WheelName | null {
  if (!filename.endsWith(".whl")) return null;
  const parts = filename.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [plat, abi, py] = parts.slice(-3).reverse() as [string, string, string];
  return {
    name: parts[0]!,
    version: parts[1]!,
    python: py.split("."),
    abi: abi.split("."),
    platform: plat.split("."),
  };
}

/** Higher is a better match for the guest; 0 means the platform tag does not run there. */
function platformScore(p: string): number {
  if (p === "any") return 1;
  const legacy: Record<string, [number, number]> = {
    manylinux1_x86_64: [2, 5],
    manylinux2010_x86_64: [2, 12],
    manylinux2014_x86_64: [2, 17],
  };
  const m = /^manylinux_(\d+)_(\d+)_x86_64$/.exec(p);
  const glibc = legacy[p] ?? (m ? ([Number(m[1]), Number(m[2])] as [number, number]) : null);
  if (!glibc) return 0;
  const [maj, min] = glibc;
  if (maj > GUEST_GLIBC[0] || (maj === GUEST_GLIBC[0] && min > GUEST_GLIBC[1])) return 0;
  return 10 + min;
}

function pythonScore(py: string, abi: string): number {
  const cp = /^cp(\d)(\d+)$/.exec(py);
  const pyv = /^py(\d)(\d*)$/.exec(py);
  if (cp) {
    const [maj, min] = [Number(cp[1]), Number(cp[2])];
    if (maj !== GUEST_PY[0]) return 0;
    if (abi === `cp${GUEST_PY[0]}${GUEST_PY[1]}` && min === GUEST_PY[1]) return 30;
    // The stable ABI: built for an older 3.x, loads on a newer one.
    if (abi === "abi3" && min <= GUEST_PY[1]) return 20 + min / 100;
    if (abi === "none" && min === GUEST_PY[1]) return 15;
    return 0;
  }
  if (pyv && abi === "none") {
    if (Number(pyv[1]) !== GUEST_PY[0]) return 0;
    if (pyv[2] !== "" && Number(pyv[2]) > GUEST_PY[1]) return 0;
    return 5;
  }
  return 0;
}

/** 0 when the wheel cannot run in the guest, else a rank (higher = more specific). */
export function guestScore(w: WheelName): number {
  let best = 0;
  for (const py of w.python) {
    for (const abi of w.abi) {
      const ps = pythonScore(py, abi);
      if (ps === 0) continue;
      for (const plat of w.platform) {
        const pl = platformScore(plat);
        if (pl > 0) best = Math.max(best, ps * 100 + pl);
      }
    }
  }
  return best;
}

/** Guest-compatible platform tags of a wheel (for pip's --platform, which does not expand them). */
export function guestPlatforms(w: WheelName): string[] {
  return w.platform.filter((p) => p !== "any" && platformScore(p) > 0);
}
