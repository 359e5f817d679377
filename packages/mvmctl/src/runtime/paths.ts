// Where the runtime keeps things under $MVM_HOME (docs/architecture.md, "Instances").
// Instance names come from users and scripts and are treated as hostile: every path to an
// instance is made by instanceDir(), which validates the name and proves the directory is a real
// directory directly inside $MVM_HOME/instances (never `..`, never a planted symlink).
import { lstatSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MvmError } from "@mvm/ir/errors";

export { mvmHome } from "../home.js";

/** The instance name rule (also in the SDKs: packages/sdk/src/sandbox-live.ts, python/mvm/_sandbox_live.py). */
export const INSTANCE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function instancesDir(home: string): string {
  return join(home, "instances");
}

/** True for a name the store accepts: the rule above, and never a dots-only name (`.`, `..`). */
export function isValidInstanceName(name: unknown): name is string {
  return typeof name === "string" && INSTANCE_NAME_RE.test(name) && !/^\.+$/.test(name);
}

/** How a refused name is shown: quoted, escaped (no control characters reach a terminal) and short. */
function shown(name: unknown): string {
  if (typeof name !== "string") return String(typeof name);
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
}

function nameInvalid(message: string): MvmError {
  return new MvmError("E_INSTANCE_NAME_INVALID", message, {
    hint: "use 1-63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
  });
}

export function validateInstanceName(name: unknown): asserts name is string {
  if (!isValidInstanceName(name)) throw nameInvalid(`invalid instance name ${shown(name)}`);
}

/**
 * The one way to an instance's directory: validates the name, asserts that the resolved path is a
 * direct child of `$MVM_HOME/instances`, and refuses an existing entry that is not a real
 * directory (a symlink planted there must never lead `down` or a state reader to its target).
 */
export function instanceDir(home: string, name: string): string {
  validateInstanceName(name);
  const root = resolve(instancesDir(home));
  const dir = resolve(root, name);
  if (dirname(dir) !== root) throw nameInvalid(`instance name ${shown(name)} leaves the instance store`);
  let isDir = true;
  try {
    isDir = lstatSync(dir).isDirectory();
  } catch {
    // Not there (yet): `up` creates it, readers report E_INSTANCE_NOT_FOUND.
  }
  if (!isDir) {
    throw nameInvalid(
      `instance ${shown(name)} is not a directory in the store (${dir} is a symlink or a file); refusing to use it`,
    );
  }
  return dir;
}

export interface InstancePaths {
  dir: string;
  state: string;
  consoleLog: string;
  agentSocket: string;
  qmpSocket: string;
  /** QEMU's own stderr: argument errors, KVM failures, "terminating on signal". */
  vmmLog: string;
  secrets: string;
  /** Bridge mode: the egress proxy's socket, config, decision log and own stdout/stderr. */
  egressSocket: string;
  egressConfig: string;
  egressLog: string;
  egressProxyLog: string;
  /** The fetch broker (mvm.web_fetch / web_search): socket, config, audit log, own stdout/stderr. */
  fetchSocket: string;
  fetchConfig: string;
  fetchLog: string;
  fetchBrokerLog: string;
  /** Port forwards: the forwarder's config, ready file, inbound connection log and own stdout/stderr. */
  ingressConfig: string;
  ingressReady: string;
  inboundLog: string;
  ingressForwarderLog: string;
}

export function instancePaths(home: string, name: string): InstancePaths {
  const dir = instanceDir(home, name);
  return {
    dir,
    state: join(dir, "state.json"),
    consoleLog: join(dir, "console.log"),
    agentSocket: join(dir, "agent.sock"),
    qmpSocket: join(dir, "qmp.sock"),
    vmmLog: join(dir, "vmm.log"),
    secrets: join(dir, "secrets.json"),
    egressSocket: join(dir, "egress.sock"),
    egressConfig: join(dir, "egress.json"),
    egressLog: join(dir, "egress.log"),
    egressProxyLog: join(dir, "egress-proxy.log"),
    fetchSocket: join(dir, "fetch.sock"),
    fetchConfig: join(dir, "fetch.json"),
    fetchLog: join(dir, "fetch.log"),
    fetchBrokerLog: join(dir, "fetch-broker.log"),
    ingressConfig: join(dir, "ingress.json"),
    ingressReady: join(dir, "ingress-ready.json"),
    inboundLog: join(dir, "inbound.log"),
    ingressForwarderLog: join(dir, "ingress-forwarder.log"),
  };
}
