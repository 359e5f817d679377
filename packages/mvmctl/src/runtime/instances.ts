// Instance state under $MVM_HOME/instances/<name>/ (docs/architecture.md, "Instances").
// state.json is the only record of a running VM, so it is written whole (temp file + rename) and
// the status a reader sees is corrected by liveness: a "running" VM whose process is gone is
// reported as "failed" until `down` cleans it up.
import { readdir, rm } from "node:fs/promises";
import { MvmError } from "@mvm/ir/errors";
import {
  type InstanceState,
  type InstanceStateFields,
  type InstanceStatus,
  readInstanceState,
  writeInstanceState,
} from "../contracts/instance-state.js";
import { instancePaths, instancesDir, isValidInstanceName } from "./paths.js";
import { processAlive } from "./proc.js";

// The file's shape and version: contracts/instance-state.ts. This module adds liveness.
export type { InstanceNetwork, InstanceState, InstanceStatus } from "../contracts/instance-state.js";

// The name rule and the path containment check live with the paths (instanceDir in paths.ts).
export { isValidInstanceName, validateInstanceName } from "./paths.js";

/** Writes state.json (stamped with its state_version by the contract). */
export async function writeState(home: string, state: InstanceStateFields): Promise<void> {
  await writeInstanceState(instancePaths(home, state.name).dir, state);
}

/** The status to show: the recorded one, corrected by whether the VM process still exists. */
export function effectiveStatus(state: InstanceState): InstanceStatus {
  if (state.status === "failed") return "failed";
  return processAlive(state.pid, state.qmp_socket) ? state.status : "failed";
}

export async function readState(home: string, name: string): Promise<InstanceState | undefined> {
  // Unreadable, unversioned or off-schema: E_INSTANCE_STATE_CORRUPT, hinting at `down`.
  const state = await readInstanceState(instancePaths(home, name).dir);
  return state && { ...state, status: effectiveStatus(state) };
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

/**
 * The names of the instances in the store, sorted. Only real directories with valid names count: a
 * symlink or any other entry planted in instances/ is skipped, never followed. The name is the
 * directory's, not whatever state.json claims (`down --all` removes these).
 */
export async function instanceNames(home: string): Promise<string[]> {
  const entries = await readdir(instancesDir(home), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && isValidInstanceName(e.name))
    .map((e) => e.name)
    .sort();
}

/** Every instance whose state.json reads (see instanceNames for which entries count). */
export async function listInstances(home: string): Promise<InstanceState[]> {
  const out: InstanceState[] = [];
  for (const n of await instanceNames(home)) {
    try {
      const s = await readState(home, n);
      if (s) out.push({ ...s, name: n });
    } catch {
      // A corrupt state file shows up when the instance is named; ps keeps going.
    }
  }
  return out;
}

export async function removeInstanceDir(home: string, name: string): Promise<void> {
  await rm(instancePaths(home, name).dir, { recursive: true, force: true });
}
