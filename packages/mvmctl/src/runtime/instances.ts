// Instance state under $MVM_HOME/instances/<name>/ (docs/architecture.md, "Instances").
// state.json is the only record of a running VM, so it is written whole (temp file + rename) and
// the status a reader sees is corrected by liveness: a "running" VM whose process is gone is
// reported as "failed" until `down` cleans it up.
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { MvmError } from "@mvm/ir/errors";
import { writeFileAtomic } from "../lib/atomic-write.js";
import { instancePaths, instancesDir } from "./paths.js";
import { processAlive } from "./proc.js";
import type { Accel } from "./vmm/qemu-args.js";

export type InstanceStatus = "starting" | "running" | "stopping" | "failed";

export interface InstanceState {
  name: string;
  workload_id: string;
  app: string;
  digest: string;
  image_dir: string;
  pid: number;
  accel: Accel;
  vmm: "qemu";
  cpus: number;
  memory_mb: number;
  status: InstanceStatus;
  started_at: string;
  boot_ms: number | null;
  agent_socket: string;
  qmp_socket: string;
  console_log: string;
  /** Why the instance failed, when it did (boot error, hook failure, VM exit). */
  error?: string;
  /** Absent for images built before networking existed: read as mode "none". */
  network?: InstanceNetwork;
}

export interface InstanceNetwork {
  mode: "none" | "bridge";
  /** The declared egress allowlist the proxy enforces (bridge). */
  egress: { host: string; port: number }[];
  /** Bridge: the egress proxy process, its config (in its argv: the liveness marker) and its log. */
  proxy_pid?: number;
  proxy_config?: string;
  egress_log?: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function validateInstanceName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new MvmError("E_INSTANCE_NAME_INVALID", `invalid instance name "${name}"`, {
      hint: "use 1-63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
    });
  }
}

export async function writeState(home: string, state: InstanceState): Promise<void> {
  await writeFileAtomic(instancePaths(home, state.name).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** The status to show: the recorded one, corrected by whether the VM process still exists. */
export function effectiveStatus(state: InstanceState): InstanceStatus {
  if (state.status === "failed") return "failed";
  return processAlive(state.pid, state.qmp_socket) ? state.status : "failed";
}

export async function readState(home: string, name: string): Promise<InstanceState | undefined> {
  const p = instancePaths(home, name).state;
  if (!existsSync(p)) return undefined;
  try {
    const state = JSON.parse(await readFile(p, "utf8")) as InstanceState;
    return { ...state, status: effectiveStatus(state) };
  } catch (e) {
    throw new MvmError("E_INSTANCE_STATE_CORRUPT", `instance "${name}" has an unreadable state.json`, {
      hint: `remove it with \`mvmctl down ${name}\``,
      cause: e,
    });
  }
}

export async function requireState(home: string, name: string): Promise<InstanceState> {
  const s = await readState(home, name);
  if (!s) {
    throw new MvmError("E_INSTANCE_NOT_FOUND", `no instance named "${name}"`, {
      hint: "list instances with `mvmctl ps`",
    });
  }
  return s;
}

export async function listInstances(home: string): Promise<InstanceState[]> {
  const names = await readdir(instancesDir(home)).catch(() => [] as string[]);
  const out: InstanceState[] = [];
  for (const n of names.sort()) {
    if (n.startsWith(".")) continue;
    try {
      const s = await readState(home, n);
      if (s) out.push(s);
    } catch {
      // A corrupt state file shows up when the instance is named; ps keeps going.
    }
  }
  return out;
}

export async function removeInstanceDir(home: string, name: string): Promise<void> {
  await rm(instancePaths(home, name).dir, { recursive: true, force: true });
}
