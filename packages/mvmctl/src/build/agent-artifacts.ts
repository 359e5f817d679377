// The one place that finds the guest agent binary and the language runners baked into images.
// They are built by agent/'s Makefile; build runs `make -C agent` (a no-op when up to date) so an
// image never carries a stale agent.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MvmError } from "@mvm/ir";
import { run } from "./exec.js";

export interface AgentArtifacts {
  agent: string;
  runnerPy: string;
  runnerMjs: string;
}

/** agent/ at the repository root, or MVM_AGENT_DIR. */
export function agentDir(): string {
  if (process.env.MVM_AGENT_DIR) return resolve(process.env.MVM_AGENT_DIR);
  // src/build/ (tsx) and dist/build/ (compiled) are both four levels below the repo root.
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../../../agent");
}

export async function agentArtifacts(): Promise<AgentArtifacts> {
  const dir = agentDir();
  const out: AgentArtifacts = {
    agent: join(dir, "build/mvm-agent"),
    runnerPy: join(dir, "runners/runner.py"),
    runnerMjs: join(dir, "runners/runner.mjs"),
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
  const missing = Object.values(out).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new MvmError("E_AGENT_MISSING", `guest agent artifacts missing: ${missing.join(", ")}`);
  }
  return out;
}
