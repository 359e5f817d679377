// Runs the external tools of the build (mmdebstrap, mkfs.ext4, tar, npm, pip, chroot) and turns a
// failure into an MvmError that carries the tool's own output, since that is what explains it.
import { spawn } from "node:child_process";
import { MvmError } from "@mvm/ir/errors";

export interface RunResult {
  code: number;
  output: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Called with each chunk of combined stdout/stderr, for live progress. */
  onOutput?: (chunk: string) => void;
}

/** Runs a command; resolves with its exit code and combined output (tail-capped). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let output = "";
    const take = (b: Buffer) => {
      const s = b.toString("utf8");
      output += s;
      // Keep the tail: the end of a tool's output is where its error is.
      if (output.length > 256 * 1024) output = output.slice(-128 * 1024);
      opts.onOutput?.(s);
    };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like run(), but a non-zero exit is an E_BUILD_TOOL_FAILED (or the given code) with the output. */
export async function runOk(
  cmd: string,
  args: string[],
  opts: RunOptions & { code?: string; what?: string } = {},
): Promise<string> {
  let r: RunResult;
  try {
    r = await run(cmd, args, opts);
  } catch (cause) {
    throw new MvmError("E_BUILD_BACKEND_UNAVAILABLE", `cannot run ${cmd}: ${(cause as Error).message}`, {
      cause,
      hint: `install ${cmd} (see mvmctl doctor)`,
    });
  }
  if (r.code !== 0) {
    const tail = r.output.trim().split("\n").slice(-40).join("\n");
    throw new MvmError(
      opts.code ?? "E_BUILD_TOOL_FAILED",
      `${opts.what ?? `${cmd} ${args.slice(0, 3).join(" ")}`} failed (exit ${r.code}):\n${tail}`,
    );
  }
  return r.output;
}

/** Whether an executable is on PATH. */
export async function onPath(cmd: string): Promise<boolean> {
  const r = await run("sh", ["-c", `command -v ${cmd}`]).catch(() => ({ code: 1, output: "" }));
  return r.code === 0;
}
