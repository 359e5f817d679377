// Opens an agent session to a running instance, for the verbs that talk to it after `up`.
import { MvmError } from "@mvm/ir/errors";
import { readInstanceSecrets } from "../../secrets/instance-tokens.js";
import { type InstanceState, requireState } from "../instances.js";
import { instancePaths } from "../paths.js";
import { processAlive } from "../proc.js";
import { connectAgent } from "./connect.js";
import type { AgentSession } from "./session.js";

export interface OpenInstance {
  state: InstanceState;
  agent: AgentSession;
  /** env var -> opaque token for each secret ref; sent with every invoke/exec. */
  secretEnv: Record<string, string>;
}

export async function openInstance(
  home: string,
  name: string,
  connectTimeoutMs = 10_000,
): Promise<OpenInstance> {
  const paths = instancePaths(home, name); // validates the name and its directory first
  const state = await requireState(home, name);
  if (state.status !== "running") {
    throw new MvmError(
      "E_INSTANCE_NOT_RUNNING",
      `instance "${name}" is ${state.status === "failed" ? "not running (failed)" : state.status}${state.error ? `: ${state.error}` : ""}`,
      {
        hint: `see \`mvmctl logs ${name}\`; clean it up with \`mvmctl down ${name}\``,
      },
    );
  }
  const alive = () => processAlive(state.pid, state.qmp_socket);
  const agent = await connectAgent(state.agent_socket, { deadline: Date.now() + connectTimeoutMs, alive });
  try {
    const hello = await agent.hello();
    if (!hello.ready) {
      throw new MvmError(
        "E_NOT_READY",
        `instance "${name}" is not ready${hello.ready_error ? `: ${hello.ready_error}` : ""}`,
        {
          hint: `see \`mvmctl logs ${name}\``,
        },
      );
    }
  } catch (e) {
    agent.close();
    throw e;
  }
  const secrets = await readInstanceSecrets(paths.secrets);
  return { state, agent, secretEnv: secrets.env };
}
