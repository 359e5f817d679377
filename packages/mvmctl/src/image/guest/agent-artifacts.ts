// The one place that finds the guest agent binary and the language runners baked into images.
// They are built by agent/'s Makefile; build runs `make -C agent` (a no-op when up to date) so an
// image never carries a stale agent.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MvmError } from "@mvm/ir/errors";
import { run } from "../host-tools.js";

export interface AgentArtifacts {
  agent: string;
  runnerPy: string;
  runnerMjs: string;
  /** The Python SDK package dir (python/mvm): user modules `import mvm` in the guest too. */
  sdkPython: string;
  /** The built mvm-sdk (packages/sdk): user modules import "mvm-sdk" in the guest too. */
  sdkNode: string;
}

/** The repository root: src/image/guest/ (tsx) and dist/image/guest/ (compiled) are five levels below it. */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../../../..");
}

/** agent/ at the repository root, or MVM_AGENT_DIR. */
export function agentDir(): string {
  if (process.env.MVM_AGENT_DIR) return resolve(process.env.MVM_AGENT_DIR);
  return join(repoRoot(), "agent");
}

export async function agentArtifacts(): Promise<AgentArtifacts> {
  const dir = agentDir();
  const out: AgentArtifacts = {
    agent: join(dir, "build/mvm-agent"),
    runnerPy: join(dir, "runners/runner.py"),
    runnerMjs: join(dir, "runners/runner.mjs"),
    sdkPython: join(repoRoot(), "python/mvm"),
    sdkNode: join(repoRoot(), "packages/sdk"),
  };
  if (existsSync(join(dir, "Makefile"))) {
    const r = await run("make", ["-C", dir]).catch((e: Error) => ({ code: 127, output: e.message }));
    if (r.code !== 0) {
      throw new MvmError(
        "E_AGENT_MISSING",
        `make -C ${dir} failed:\n${r.output.trim().split("\n").slice(-20).join("\n")}`,
      );
    }
  }
  const missing = [
    out.agent,
    out.runnerPy,
    out.runnerMjs,
    join(out.sdkPython, "__init__.py"),
    join(out.sdkNode, "dist/index.js"),
  ].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new MvmError("E_AGENT_MISSING", `guest agent artifacts missing: ${missing.join(", ")}`);
  }
  return out;
}
