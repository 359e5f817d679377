// Where the runtime keeps things under $MVM_HOME (docs/architecture.md, "Instances").
import { join } from "node:path";

export { mvmHome } from "../home.js";

export function instancesDir(home: string): string {
  return join(home, "instances");
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
}

export function instancePaths(home: string, name: string): InstancePaths {
  const dir = join(instancesDir(home), name);
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
  };
}
