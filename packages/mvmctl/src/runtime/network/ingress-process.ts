// Lifecycle of an instance's port forwarder process (docs/adr/0011-port-forwards.md): started
// detached by `up` before QEMU, found again by its pid + config path (in its argv), stopped by `down`
// after the VM. Same shape as the egress proxy's (egress-process.ts), its own process.
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { helperMain, startHelper, stopHelper } from "../helper-process.js";
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
  const pid = await startHelper({
    main: helperMain(import.meta.url, "ingress-main"),
    configPath,
    config: cfg,
    outLog,
    ready: { file: cfg.ready },
    code: "E_INGRESS_FORWARDER_FAILED",
    what: "port forwarder",
  });
  const ready = JSON.parse(readFileSync(cfg.ready, "utf8")) as IngressReady;
  if (!ready.ok) {
    await stopIngressForwarder(pid, configPath);
    throw new IngressBindError(ready.mapping_id, ready.code, ready.message);
  }
  return { pid, bound: ready.bound };
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export const stopIngressForwarder = stopHelper;
