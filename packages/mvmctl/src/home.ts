// $MVM_HOME: where images, instances, secrets and caches live (default ~/.mvm). Every stage and
// command resolves it here.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function mvmHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.MVM_HOME ? resolve(env.MVM_HOME) : join(homedir(), ".mvm");
}
