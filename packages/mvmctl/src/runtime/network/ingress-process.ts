// Lifecycle of an instance's port forwarder process (docs/adr/0011-port-forwards.md): started
// detached by `up` before QEMU, found again by its pid + config path (in its argv), stopped by `down`
// after the VM. Same shape as the egress proxy's (egress-process.ts), its own process.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { MvmError } from "@mvm/ir/errors";
import { writeFileAtomic } from "../../lib/atomic-write.js";
import { helperEnv } from "../../lib/child-env.js";
import { processAlive, sleep, waitGone } from "../proc.js";
import type { BoundForward, ForwardListener } from "./ingress-forwarder.js";

export interface IngressConfig {
  listeners: ForwardListener[];
  /** JSON lines, one per finished inbound connection (`mvmctl logs --inbound`). */
  log: string;
  /** Written once: the bound ports, or the bind error. */
  ready: string;
}

export type IngressReady =
  | { ok: true; bound: BoundForward[] }
  | { ok: false; mapping_id: string; code: string; message: string };

/** The forwarder could not bind a host port: which mapping, and the errno code. */
export class IngressBindError extends Error {
  constructor(
    readonly mapping_id: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startIngressForwarder(
  configPath: string,
  cfg: IngressConfig,
  outLog: string,
): Promise<{ pid: number; bound: BoundForward[] }> {
  await rm(cfg.ready, { force: true });
  await writeFileAtomic(configPath, `${JSON.stringify(cfg, null, 2)}\n`);
  const ts = import.meta.url.endsWith(".ts");
  const path = fileURLToPath(new URL(`./ingress-main.${ts ? "ts" : "js"}`, import.meta.url));
  const out = openSync(outLog, "a", 0o600);
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [...(ts ? ["--import", "tsx"] : []), path, configPath], {
      detached: true,
      stdio: ["ignore", out, out],
      // Only PATH and LANG: the forwarder never sees the CLI's environment.
      env: helperEnv(),
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) throw new MvmError("E_INGRESS_FORWARDER_FAILED", "cannot start the port forwarder");
  const deadline = Date.now() + 15_000;
  while (!existsSync(cfg.ready)) {
    if (!processAlive(pid, configPath) || Date.now() > deadline) {
      await stopIngressForwarder(pid, configPath);
      throw new MvmError("E_INGRESS_FORWARDER_FAILED", "the port forwarder did not start", {
        hint: `see ${outLog}`,
      });
    }
    await sleep(20);
  }
  const ready = JSON.parse(readFileSync(cfg.ready, "utf8")) as IngressReady;
  if (!ready.ok) {
    await stopIngressForwarder(pid, configPath);
    throw new IngressBindError(ready.mapping_id, ready.code, ready.message);
  }
  return { pid, bound: ready.bound };
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export async function stopIngressForwarder(pid: number, configPath: string): Promise<void> {
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
