// Live mode: one running microVM per Sandbox, driven through mvmctl verbs. create() lowers the
// same recording record mode would write (compile --from-recording -> build -> up); every later
// call is one mvmctl invocation against the instance name.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LiveError, MvmError } from "./errors.js";
import { cli, cliFailure, cliJson, runCli } from "./sandbox-cli.js";

/** What a live sandbox runs as its entrypoint when create() is given no command: nothing, forever. */
export const LIVE_DEFAULT_COMMAND = ["sleep", "infinity"] as const;

export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Seconds; the guest agent kills the command after this long and exec throws TimeoutError. */
  timeout?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface FileInfo {
  type: string;
  size: number;
  mode: number;
  mtime_ms: number;
  target?: string;
}

export interface FileEntry extends FileInfo {
  name: string;
}

/** `mvmctl up --json` as the SDK reads it. */
export interface UpInfo {
  name: string;
  workload_id: string;
  digest: string;
  accel: string;
  boot_ms: number;
  /** Whether the guest was resumed from a snapshot (absent from an mvmctl without snapshots). */
  snapshot?: { key: string; restored: boolean; id?: string } | null;
  /** The instance's port forwards as bound (absent from an mvmctl without them). */
  ports?: { mapping_id: string; host_addr: string; host: number; guest: number }[];
}

export interface StartedCommand {
  /** Guest pid of the background process. */
  pid: number;
  /** Guest file that receives its stdout and stderr. */
  logPath: string;
}

/** mvmctl's instance name rule (packages/mvmctl/src/runtime/paths.ts); dots-only names never. */
const INSTANCE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * Refuses a name mvmctl would refuse, before it becomes an argv (a name is a path in the store:
 * `..` would be $MVM_HOME itself). Also guards the name `up` reports back.
 */
export function assertInstanceName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !INSTANCE_NAME_RE.test(name) || /^\.+$/.test(name)) {
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 80)) : typeof name;
    throw new MvmError("E_INSTANCE_NAME_INVALID", `invalid instance name ${shown}`, {
      hint: "use 1-63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
    });
  }
}

/** Instance names follow mvmctl's rule: [a-z0-9][a-z0-9._-]{0,62}. */
export function instanceName(workloadId: string | undefined): string {
  const base =
    (workloadId ?? "sandbox")
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[^a-z0-9]+/, "")
      .slice(0, 48) || "sandbox";
  const name = `${base}-${randomBytes(4).toString("hex")}`;
  assertInstanceName(name);
  return name;
}

/** The guest shell script behind commands.start (argv arrives as "$@"); waits at most ~10 s. */
export function startScript(base: string): string {
  const inner = `echo $$ >"$0"; exec "$@"`;
  return [
    `p=${base}.pid`,
    `setsid /bin/sh -c '${inner}' "$p" "$@" </dev/null >${base}.log 2>&1 &`,
    `i=0; while [ ! -s "$p" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done`,
    `cat "$p" 2>/dev/null; rm -f "$p"`,
  ].join("\n");
}

function envFlags(env: Record<string, string> = {}): string[] {
  return Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
}

/** Boots a sandbox from a recording; `sourceDir` is what `include` globs are matched against. */
export async function liveCreate(
  recording: object,
  opts: { name: string; sourceDir?: string; snapshot?: string },
): Promise<LiveSession> {
  assertInstanceName(opts.name);
  const tmp = await mkdtemp(join(tmpdir(), "mvm-sandbox-"));
  try {
    // With no include the source is an empty dir: bundling the caller's cwd by default ("**")
    // would copy whatever the script happens to run in (a whole repo) into the image.
    const src = opts.sourceDir ?? join(tmp, "src");
    await mkdir(join(tmp, "src"));
    const out = join(tmp, "compiled");
    await cliJson(["compile", "--from-recording", "-", "--out", out, "--json"], {
      stdin: Buffer.from(JSON.stringify(recording)),
      cwd: src,
    });
    const built = await cliJson<{ digest: string }>(["build", out, "--json"]);
    let up: UpInfo;
    try {
      const from = opts.snapshot === undefined ? [] : ["--snapshot", opts.snapshot];
      up = await cliJson<UpInfo>(["up", built.digest, "--name", opts.name, "--json", ...from]);
    } catch (e) {
      // A failed up can leave a failed instance behind; down is the documented way to clear it.
      await runCli(["down", opts.name]).catch(() => undefined);
      throw e;
    }
    if (up.name !== opts.name) {
      // mvmctl booted the name it was given; anything else in its reply is never used as a name.
      await runCli(["down", opts.name]).catch(() => undefined);
      assertInstanceName(up.name);
      throw new MvmError(
        "E_INSTANCE_NAME_INVALID",
        `mvmctl up reported instance ${JSON.stringify(up.name)}, not the ${JSON.stringify(opts.name)} it was asked for`,
      );
    }
    return new LiveSession(opts.name, up);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export class LiveSession {
  #stopped = false;

  constructor(
    readonly name: string,
    readonly info: UpInfo,
  ) {
    assertInstanceName(name);
  }

  async exec(argv: readonly string[], o: ExecOptions = {}): Promise<ExecResult> {
    const args = ["exec", this.name, ...(o.cwd ? ["--cwd", o.cwd] : []), ...envFlags(o.env)];
    const timeoutMs = o.timeout === undefined ? undefined : Math.max(1, Math.round(o.timeout * 1000));
    if (timeoutMs !== undefined) args.push("--timeout", `${timeoutMs}ms`);
    args.push("--", ...argv);
    const t0 = performance.now();
    const r = await runCli(args);
    const durationMs = Math.round(performance.now() - t0);
    // mvmctl exec exits with the command's code; only an error on the structured channel is mvmctl's own.
    if (r.exitCode !== 0 && r.error) throw cliFailure(["mvmctl", ...args], r, timeoutMs);
    return { exitCode: r.exitCode, stdout: r.stdout.toString("utf8"), stderr: r.stderr, durationMs };
  }

  /**
   * Starts argv in the background inside the guest and returns once it runs. The agent kills a
   * call's process group when the call ends, and mvmctl exec holds its call until the process
   * exits, so a guest shell moves argv into a new session (setsid) and waits until the new session
   * has written its pid before returning: returning earlier races the group kill. argv is passed
   * as "$@", never spliced into the script. Output goes to a log file in the guest.
   */
  async start(argv: readonly string[], env: Record<string, string> = {}): Promise<StartedCommand> {
    const base = `/tmp/mvm-command-${randomBytes(4).toString("hex")}`;
    const logPath = `${base}.log`;
    const r = await this.exec(["/bin/sh", "-c", startScript(base), "mvm-start", ...argv], { env });
    const pid = Number.parseInt(r.stdout.trim(), 10);
    if (r.exitCode !== 0 || !Number.isInteger(pid)) {
      throw new LiveError(
        ["mvmctl", "exec", this.name, "--", ...argv],
        r.exitCode,
        r.stderr || "the background command did not report its pid (is setsid in the image?)",
      );
    }
    return { pid, logPath };
  }

  /** `mvmctl snapshot --json`: the id `up --snapshot` takes. */
  async snapshot(): Promise<string> {
    const r = await cliJson<{ id: string }>(["snapshot", this.name, "--json"]);
    if (typeof r.id !== "string" || !/^[0-9a-z][0-9a-z-]{0,71}$/.test(r.id))
      throw new MvmError("E_SDK_LIVE", `mvmctl snapshot returned no usable id: ${JSON.stringify(r.id)}`);
    return r.id;
  }

  async read(path: string): Promise<Uint8Array> {
    return new Uint8Array((await cli(["fs", "read", this.name, path])).stdout);
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    await cli(["fs", "write", this.name, path, "--parents"], { stdin: data });
  }

  async list(path: string): Promise<FileEntry[]> {
    return (await cliJson<{ entries: FileEntry[] }>(["fs", "ls", this.name, path, "--json"])).entries;
  }

  async stat(path: string): Promise<FileInfo> {
    return cliJson<FileInfo>(["fs", "stat", this.name, path, "--json"]);
  }

  async mkdir(path: string, parents: boolean): Promise<void> {
    await cli(["fs", "mkdir", this.name, path, ...(parents ? ["--parents"] : [])]);
  }

  async remove(path: string, recursive: boolean): Promise<void> {
    await cli(["fs", "rm", this.name, path, ...(recursive ? ["--recursive"] : [])]);
  }

  async move(from: string, to: string): Promise<void> {
    await cli(["fs", "mv", this.name, from, to]);
  }

  /** Idempotent: a second call, or an instance already gone, is not an error. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    const r = await runCli(["down", this.name]);
    if (r.exitCode !== 0) {
      const e = cliFailure(["mvmctl", "down", this.name], r);
      if (e.code !== "E_SDK_NOT_FOUND") throw e;
    }
    this.#stopped = true;
  }
}
