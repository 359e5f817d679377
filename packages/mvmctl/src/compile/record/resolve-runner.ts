// Which interpreter runs a record-mode script. TypeScript needs a TS-aware runner; the order is
// the documented one (spec/cli.md): MVM_TSX, project-local tsx/bun/deno, then tsx/bun/deno on PATH.
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { MvmError } from "@mvm/ir/errors";

export interface ResolvedRunner {
  /** Executable to spawn. */
  command: string;
  /** Arguments placed before the script path. */
  args: string[];
  /** Where it came from, for messages and `mvmctl doctor`. */
  source: string;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/** Arguments each runner needs before the script. */
function argsFor(binary: string): string[] {
  const base = path.basename(binary);
  if (base.startsWith("bun")) return ["run"];
  if (base.startsWith("deno")) return ["run", "-A"];
  return [];
}

export const TS_RUNNER_HINT =
  "install a TypeScript runner: npm install -g tsx | npm install --save-dev tsx | pnpm add -g tsx | yarn global add tsx | brew install tsx | bun (https://bun.sh) | deno (https://deno.land); or set MVM_TSX=<path>";

export function resolveTsRunner(cwd: string, env: NodeJS.ProcessEnv = process.env): ResolvedRunner {
  const pinned = env.MVM_TSX?.trim();
  if (pinned) {
    if (!isExecutable(pinned)) {
      throw new MvmError("E_TS_RUNNER_NOT_FOUND", `MVM_TSX=${pinned} is not an executable file`, {
        hint: TS_RUNNER_HINT,
      });
    }
    return { command: pinned, args: argsFor(pinned), source: "MVM_TSX" };
  }
  for (const name of ["tsx", "bun", "deno"]) {
    const local = path.join(cwd, "node_modules", ".bin", name);
    if (isExecutable(local))
      return { command: local, args: argsFor(local), source: `./node_modules/.bin/${name}` };
  }
  for (const name of ["tsx", "bun", "deno"]) {
    const found = findOnPath(name, env);
    if (found) return { command: found, args: argsFor(found), source: `${name} on PATH` };
  }
  throw new MvmError(
    "E_TS_RUNNER_NOT_FOUND",
    "no TypeScript runner found (looked at MVM_TSX, ./node_modules/.bin/{tsx,bun,deno}, tsx/bun/deno on PATH)",
    {
      hint: TS_RUNNER_HINT,
    },
  );
}

export function resolvePython(env: NodeJS.ProcessEnv = process.env): ResolvedRunner {
  const pinned = env.MVM_PYTHON?.trim();
  if (pinned) {
    const p = path.isAbsolute(pinned) ? pinned : findOnPath(pinned, env);
    if (!p || !isExecutable(p))
      throw new MvmError("E_PYTHON_NOT_FOUND", `MVM_PYTHON=${pinned} is not an executable`);
    return { command: p, args: [], source: "MVM_PYTHON" };
  }
  const found = findOnPath("python3", env);
  if (!found) throw new MvmError("E_PYTHON_NOT_FOUND", "python3 is not on PATH");
  return { command: found, args: [], source: "python3 on PATH" };
}
