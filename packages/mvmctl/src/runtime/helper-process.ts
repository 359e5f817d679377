// The lifecycle every per-instance host helper shares (egress proxy, port forwarder, fetch
// broker): its config written atomically, the process started detached from the CLI with only
// PATH and LANG (never the CLI's environment), found again by pid + the config path in its argv
// (pid reuse cannot match), a ready file to wait for, and SIGTERM-then-SIGKILL to stop it.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ErrorCode, MvmError } from "@mvm/ir/errors";
import { writeFileAtomic } from "../lib/atomic-write.js";
import { helperEnv } from "../lib/child-env.js";
import { processAlive, sleep, waitGone } from "./proc.js";

export interface HelperMain {
  path: string;
  execArgv: string[];
}

/**
 * The main module `name` next to the caller (pass the caller's import.meta.url): from src (tsx)
 * it is .ts and needs the loader, from dist it is plain .js.
 */
export function helperMain(callerUrl: string, name: string): HelperMain {
  const ts = callerUrl.endsWith(".ts");
  const path = fileURLToPath(new URL(`./${name}.${ts ? "ts" : "js"}`, callerUrl));
  return { path, execArgv: ts ? ["--import", "tsx"] : [] };
}

export interface HelperStart {
  main: HelperMain;
  configPath: string;
  config: unknown;
  /** The helper's own stdout and stderr go here (0600, appended). */
  outLog: string;
  /** The file (socket or ready file) whose existence says the helper is serving. */
  readyPath: string;
  /** The error code and words for a helper that does not come up. */
  code: ErrorCode;
  what: string;
  timeoutMs?: number;
}

/** Starts the helper and waits for its ready path; on failure it is stopped and `code` thrown. */
export async function startHelper(h: HelperStart): Promise<number> {
  await writeFileAtomic(h.configPath, `${JSON.stringify(h.config, null, 2)}\n`, 0o600);
  const out = openSync(h.outLog, "a", 0o600);
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [...h.main.execArgv, h.main.path, h.configPath], {
      detached: true,
      stdio: ["ignore", out, out],
      env: helperEnv(),
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) throw new MvmError(h.code, `cannot start the ${h.what}`);
  const deadline = Date.now() + (h.timeoutMs ?? 15_000);
  while (!existsSync(h.readyPath)) {
    if (!processAlive(pid, h.configPath) || Date.now() > deadline) {
      await stopHelper(pid, h.configPath);
      throw new MvmError(h.code, `the ${h.what} did not start`, { hint: `see ${h.outLog}` });
    }
    await sleep(20);
  }
  return pid;
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export async function stopHelper(pid: number, configPath: string): Promise<void> {
  if (!processAlive(pid, configPath)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitGone(pid, configPath, 2000)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
