// Writes the mvm files into the staged rootfs: runtime.json, hook scripts, runners, the agent and
// the workload's files[] entries. Paths follow docs/architecture.md ("Guest layout").
import { chmod, copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { LaunchJson } from "../../contracts/compiled-dir.js";
import type { AgentArtifacts } from "./agent-artifacts.js";
import { hookScripts } from "./hooks-script.js";
import { proxyEnv, type RuntimeJsonOptions, runtimeJson } from "./runtime-json.js";
import { bakeGuestSdks } from "./sdks.js";

/** A guest path joined under the staged root, refusing paths that climb out of it. */
export function underRoot(root: string, guestPath: string): string {
  const norm = posix.normalize(`/${guestPath}`);
  if (norm.split("/").includes("..")) {
    throw new MvmError("E_BUILD_INPUT", `files[] path "${guestPath}" leaves the root`, { path: ".files" });
  }
  return join(root, norm);
}

async function put(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeFile(path, data);
  await chmod(path, mode);
}

export async function bakeGuestFiles(
  root: string,
  launch: LaunchJson,
  agent: AgentArtifacts,
  rt: RuntimeJsonOptions = {},
): Promise<void> {
  // files[] first, so the mvm-owned paths below always win over a workload file of the same name.
  for (const f of launch.files ?? []) {
    await put(
      underRoot(root, f.path),
      Buffer.from(f.bytes_b64, "base64"),
      Number.parseInt(f.mode ?? "0644", 8),
    );
  }
  await put(
    join(root, "etc/mvm/runtime.json"),
    `${JSON.stringify(runtimeJson(launch, rt), null, 2)}\n`,
    0o644,
  );
  // init applies /etc/mvm/env to its own environment, which before_start inherits; the agent's
  // children get the same proxy env from runtime.json.
  const initEnv = Object.entries(proxyEnv(launch.network));
  if (initEnv.length)
    await put(join(root, "etc/mvm/env"), initEnv.map(([k, v]) => `${k}=${v}\n`).join(""), 0o644);
  for (const [phase, script] of Object.entries(hookScripts(launch))) {
    if (phase === "before_build") continue; // ran during the build, never baked
    await put(join(root, "etc/mvm/hooks", `${phase}.sh`), script, 0o755);
  }
  await mkdir(join(root, "usr/lib/mvm"), { recursive: true });
  await copyFile(agent.runnerPy, join(root, "usr/lib/mvm/runner.py"));
  await copyFile(agent.runnerMjs, join(root, "usr/lib/mvm/runner.mjs"));
  await copyFile(agent.agent, join(root, "usr/lib/mvm/mvm-agent"));
  await chmod(join(root, "usr/lib/mvm/runner.py"), 0o644);
  await chmod(join(root, "usr/lib/mvm/runner.mjs"), 0o644);
  await chmod(join(root, "usr/lib/mvm/mvm-agent"), 0o755);
  await bakeGuestSdks(root, agent.sdkPython, agent.sdkNode);
}
