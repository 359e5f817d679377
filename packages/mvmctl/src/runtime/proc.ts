// Process liveness from /proc. A pid alone can be reused after the VM dies, so a VM counts as
// alive only while /proc/<pid>/cmdline still names its instance directory, and a zombie (exited,
// not yet reaped by whoever started it) counts as dead.
import { readFileSync } from "node:fs";

export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) S ...": comm may hold spaces or parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

export function procCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/** True while `pid` runs and its argv mentions `marker` (a path unique to the instance). */
export function processAlive(pid: number, marker?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const st = procState(pid);
  if (st === undefined || st === "Z" || st === "X") return false;
  if (marker === undefined) return true;
  const argv = procCmdline(pid);
  return argv?.some((a) => a.includes(marker)) === true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until the process is gone or the time is up; true when it is gone. */
export async function waitGone(pid: number, marker: string | undefined, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!processAlive(pid, marker)) return true;
    await sleep(50);
  }
  return !processAlive(pid, marker);
}
