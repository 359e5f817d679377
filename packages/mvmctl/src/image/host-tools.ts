// Runs the external tools of the build (mmdebstrap, mkfs.ext4, tar, npm, pip, chroot, nix) and
// turns a failure into an MvmError that carries the tool's own output, since that is what explains
// it. Anything a caller reads as data comes from stdout alone: tools print warnings on stderr at
// will (nix: "warning: the group 'nixbld' … does not exist" on a fresh Debian nix-bin), and a
// parser fed stderr breaks on hosts that differ only in such noise.
import { spawn } from "node:child_process";
import { type ErrorCode, MvmError } from "@mvm/ir/errors";

export interface RunResult {
  code: number;
  /** Everything the tool printed on stdout, in full (up to STDOUT_CAP): the only thing to parse. */
  stdout: string;
  /** True when stdout went past STDOUT_CAP and was cut; such a stdout must not be parsed. */
  stdoutTruncated: boolean;
  /** The tail of stderr: diagnostics. */
  stderr: string;
  /** The tail of stdout and stderr interleaved as they arrived: for error messages and logs. */
  output: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Called with each chunk of stdout or stderr, for live progress. */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
}

/** Parsed outputs here are package lists and small JSON; anything larger is not one of them. */
export const STDOUT_CAP = 64 * 1024 * 1024;
const TAIL_MAX = 256 * 1024;
const TAIL_KEEP = 128 * 1024;

// Keeps the tail: the end of a tool's diagnostics is where its error is.
const appendTail = (acc: string, s: string) => {
  const out = acc + s;
  return out.length > TAIL_MAX ? out.slice(-TAIL_KEEP) : out;
};

/** Runs a command; resolves with its exit code, its stdout, and the tails of stderr and both. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stdoutTruncated = false;
    let stderr = "";
    let output = "";
    child.stdout?.on("data", (b: Buffer) => {
      if (outBytes + b.length <= STDOUT_CAP) out.push(b);
      else stdoutTruncated = true;
      outBytes += b.length;
      const s = b.toString("utf8");
      output = appendTail(output, s);
      opts.onOutput?.(s, "stdout");
    });
    child.stderr?.on("data", (b: Buffer) => {
      const s = b.toString("utf8");
      stderr = appendTail(stderr, s);
      output = appendTail(output, s);
      opts.onOutput?.(s, "stderr");
    });
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        // Decoded once at the end, so a multi-byte character split across chunks stays whole.
        stdout: Buffer.concat(out).toString("utf8"),
        stdoutTruncated,
        stderr,
        output,
      }),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The last lines of a run's combined output, for an error message. */
export function outputTail(r: Pick<RunResult, "output">, lines = 40): string {
  return r.output.trim().split("\n").slice(-lines).join("\n");
}

/**
 * Like run(), but a non-zero exit is an E_BUILD_TOOL_FAILED (or the given code) carrying the
 * combined output's tail. Resolves with stdout only.
 */
export async function runOk(
  cmd: string,
  args: string[],
  opts: RunOptions & { code?: ErrorCode; what?: string } = {},
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
  const what = opts.what ?? `${cmd} ${args.slice(0, 3).join(" ")}`;
  if (r.code !== 0) {
    throw new MvmError(
      opts.code ?? "E_BUILD_TOOL_FAILED",
      `${what} failed (exit ${r.code}):\n${outputTail(r)}`,
    );
  }
  if (r.stdoutTruncated) {
    throw new MvmError(
      opts.code ?? "E_BUILD_TOOL_FAILED",
      `${what} printed more than ${STDOUT_CAP} bytes on stdout; refusing to read a cut-off output`,
    );
  }
  return r.stdout;
}

/** Whether an executable is on PATH. */
export async function onPath(cmd: string): Promise<boolean> {
  const r = await run("sh", ["-c", `command -v ${cmd}`]).catch(() => ({ code: 1 }));
  return r.code === 0;
}
