// Live mode's only way into the runtime: it runs the mvmctl CLI as a child process and turns its
// exit code and its structured error (MVM_ERROR_FD) into the SDK's typed errors. Kept apart from the Sandbox class so
// that tests can point MVM_CLI_BIN at a stand-in and check the argv and the parsing alone.
import { spawn } from "node:child_process";
import { LiveError, type MvmError, NotFoundError, TimeoutError } from "./errors.js";

export interface CliResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
  /** mvmctl's own error, from its structured channel; absent when mvmctl itself did not fail. */
  error?: CliError;
}

export interface CliOptions {
  stdin?: Uint8Array;
  cwd?: string;
}

/**
 * The command that runs mvmctl: MVM_CLI_BIN, else `mvmctl` on PATH. A .js/.mjs/.cjs path runs
 * through this process's node, so MVM_CLI_BIN can name packages/mvmctl/bin/mvmctl.js in a checkout.
 */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const bin = env.MVM_CLI_BIN || "mvmctl";
  return /\.[cm]?js$/.test(bin) ? [process.execPath, bin] : [bin];
}

/**
 * argv as it may appear in an error: the values of `-e KEY=VALUE` are replaced, because exec env
 * often carries credentials and errors end up in logs.
 */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((a, i) =>
    i > 0 && (argv[i - 1] === "-e" || argv[i - 1] === "--env") && a.includes("=")
      ? `${a.slice(0, a.indexOf("="))}=<redacted>`
      : a,
  );
}

/** mvmctl's own error, as its error funnel writes it to MVM_ERROR_FD (one JSON line). */
export interface CliError {
  code: string;
  message: string;
  hint?: string;
}

/** The error channel's bytes: the last well-formed JSON line with a string code, if any. */
export function parseErrorChannel(text: string): CliError | undefined {
  for (const line of text.split("\n").reverse()) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as Partial<CliError>;
      if (typeof v?.code === "string" && typeof v.message === "string")
        return { code: v.code, message: v.message, ...(typeof v.hint === "string" ? { hint: v.hint } : {}) };
    } catch {
      // Not ours: ignore and keep looking.
    }
  }
  return undefined;
}

/** Maps a failed CLI run to the SDK's typed errors (never including secret env values). */
export function cliFailure(
  argv: readonly string[],
  r: { exitCode: number; stderr: string; error?: CliError },
  timeoutMs?: number,
): MvmError {
  const shown = redactArgv(argv);
  const e = r.error;
  if (e?.code === "E_INVOKE_TIMEOUT") return new TimeoutError(shown.join(" "), timeoutMs ?? 0);
  if (e?.code === "E_GUEST_NOT_FOUND" || e?.code === "E_INSTANCE_NOT_FOUND")
    return new NotFoundError(e.message, e.hint, e.message);
  return new LiveError(shown, r.exitCode, r.stderr, undefined, e?.code);
}

/** Runs mvmctl with `args`; resolves with whatever it did (the caller decides what is a failure). */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const [exe, ...pre] = cliCommand();
  const argv = [...pre, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(exe!, argv, {
      cwd: opts.cwd,
      // fd 3 is the structured error channel (MVM_ERROR_FD): errors are read from there, never
      // parsed out of stderr, which an exec'd command shares with mvmctl.
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, MVM_ERROR_FD: "3" },
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const chan: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    const channel = child.stdio[3] as NodeJS.ReadableStream | null;
    channel?.on("data", (b: Buffer) => {
      // One error line is all mvmctl writes; cap what a stand-in binary could send.
      if (chan.reduce((n, c) => n + c.length, 0) < 64 * 1024) chan.push(b);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT")
        reject(
          new NotFoundError(
            `the mvmctl CLI (${exe})`,
            "install mvmctl on PATH or set MVM_CLI_BIN to its path",
          ),
        );
      else reject(new LiveError(["mvmctl", ...args], 127, String(e.message), e));
    });
    child.on("close", (code, signal) => {
      const error = parseErrorChannel(Buffer.concat(chan).toString("utf8"));
      resolve({
        exitCode: code ?? 128 + (signal ? 9 : 0),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(error ? { error } : {}),
      });
    });
    // EPIPE when the CLI exits before reading stdin is reported by its exit code, not here.
    child.stdin?.on("error", () => {});
    child.stdin?.end(opts.stdin ? Buffer.from(opts.stdin) : undefined);
  });
}

/** Runs mvmctl and throws a typed error when it exits non-zero. */
export async function cli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const r = await runCli(args, opts);
  if (r.exitCode !== 0) throw cliFailure(["mvmctl", ...args], r);
  return r;
}

/** Runs mvmctl with `--json` and returns its parsed stdout. */
export async function cliJson<T>(args: readonly string[], opts: CliOptions = {}): Promise<T> {
  const r = await cli(args, opts);
  try {
    return JSON.parse(r.stdout.toString("utf8")) as T;
  } catch (e) {
    throw new LiveError(
      ["mvmctl", ...redactArgv(args)],
      r.exitCode,
      `mvmctl printed no JSON on stdout: ${r.stdout.toString("utf8").slice(0, 200)}`,
      e,
    );
  }
}
