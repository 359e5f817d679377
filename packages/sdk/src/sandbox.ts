// Sandbox (spec/runtime-sdk.md). Record mode (the default) appends calls to an in-process
// recording that is written to MVM_SDK_OUT_PATH when the process exits; nothing boots. Live mode
// builds the same recording, boots it through mvmctl (sandbox-live.ts) and forwards each call.
import { renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { NotFoundError, SdkModeError } from "./errors.js";
// Types only: live mode's code (node:crypto, node:child_process, fs/promises) is imported by the
// first live Sandbox.create, so importing mvm-sdk (every guest call of a TypeScript function
// does) and record mode never load it.
import type {
  ExecOptions,
  ExecResult,
  FileEntry,
  FileInfo,
  LiveSession,
  StartedCommand,
  UpInfo,
} from "./sandbox-live.js";
import { HELPER, isHelperValue } from "./values.js";

export type { ExecOptions, ExecResult, FileEntry, FileInfo, StartedCommand, UpInfo };

/** One port forward of a live sandbox: `host:port` on this host reaches `guest` in the sandbox. */
export interface SandboxPort {
  mapping_id: string;
  host: string;
  port: number;
  guest: number;
}

export type SdkMode = "record" | "live";

export function sdkMode(env: NodeJS.ProcessEnv = process.env): SdkMode {
  const v = env.MVM_SDK_MODE;
  if (v === undefined || v === "" || v === "record") return "record";
  if (v === "live") return "live";
  throw new SdkModeError(
    `MVM_SDK_MODE=${JSON.stringify(v)} is not accepted; accepted values: record, live (unset means record)`,
  );
}

export interface SandboxOptions {
  workloadId?: string;
  env?: Record<string, unknown>;
  include?: readonly string[];
  tags?: Record<string, string>;
  /** Time to live in seconds. */
  ttl?: number;
  resources?: unknown;
  network?: unknown;
  command?: readonly string[];
  /**
   * Live mode: resume this snapshot (the id `sb.snapshot()` returned) instead of booting. The
   * other options must describe the same sandbox (they build the same image); a snapshot of
   * another image or machine fails with E_SDK_LIVE (cliCode E_SNAPSHOT_MISMATCH).
   */
  snapshot?: string;
}

type Op =
  | { kind: "files_write"; path: string; bytes_b64: string }
  | { kind: "command_start"; argv: string[]; env: Record<string, string> }
  | { kind: "kill" };

interface RecordingState {
  workload_id: string;
  create: Record<string, unknown>;
  ops: Op[];
}

let recording: RecordingState | undefined;

/** Writes the recording atomically (temp file + rename); sync because it runs in process "exit". */
function writeRecording(): void {
  const out = process.env.MVM_SDK_OUT_PATH;
  if (!out || !recording) return;
  const tmp = join(dirname(out), `.${process.pid}.mvm-recording.tmp`);
  writeFileSync(tmp, JSON.stringify(recording));
  renameSync(tmp, out);
}

function irOf(v: unknown): unknown {
  return isHelperValue(v) ? v[HELPER].ir : v;
}

function envOf(env: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    const ir = (typeof v === "string" ? { kind: "literal", value: v } : irOf(v)) as {
      kind: string;
      ref?: { mount: { var?: string } };
    };
    out[k] =
      ir.kind === "secret_ref" && ir.ref
        ? { ...ir, ref: { ...ir.ref, mount: { kind: "env", var: ir.ref.mount.var ?? k } } }
        : ir;
  }
  return out;
}

function liveOnly(what: string): never {
  throw new SdkModeError(
    `${what} needs a running sandbox, which record mode does not have`,
    "run with MVM_SDK_MODE=live to drive a real microVM",
  );
}

export class Sandbox {
  #killed = false;

  private constructor(
    private readonly state: RecordingState,
    private readonly live?: LiveSession,
  ) {}

  /** The mvmctl instance name in live mode (usable with `mvmctl logs`, `ps`); undefined in record mode. */
  get name(): string | undefined {
    return this.live?.name;
  }

  /** What `mvmctl up` reported (digest, accel, boot_ms) in live mode. */
  get info(): UpInfo | undefined {
    return this.live?.info;
  }

  /**
   * The port forwards reachable from this host (live mode; [] in record mode): declare them with
   * `network: mvm.network({ mode: "bridge", ports: [{ mapping_id: "web", host: 8080, guest: 8000 }] })`.
   * `host` is the host address, `port` the host port (the one `up` picked when 0 was asked).
   */
  get ports(): SandboxPort[] {
    return (this.live?.info.ports ?? []).map((p) => ({
      mapping_id: p.mapping_id,
      host: p.host_addr,
      port: p.host,
      guest: p.guest,
    }));
  }

  /** `"host:port"` on this host that reaches `guestPort` in the sandbox (E2B's getHost, Modal's tunnels). */
  getHost(guestPort: number): string {
    const live = this.running(`getHost(${guestPort})`);
    const p = this.ports.find((x) => x.guest === guestPort);
    if (!p) {
      const have = this.ports.map((x) => x.guest).join(", ");
      throw new NotFoundError(
        `a port forward to guest port ${guestPort}`,
        have
          ? `it forwards guest ports ${have}`
          : 'declare one: network: mvm.network({ mode: "bridge", ports: [{ mapping_id, host, guest }] })',
        `sandbox ${live.name} forwards no host port to guest port ${guestPort}`,
      );
    }
    return `${p.host.includes(":") ? `[${p.host}]` : p.host}:${p.port}`;
  }

  /** `Sandbox.create("node-22")` or `Sandbox.create({ image: nix_packages([...]) })`. */
  static async create(template: string | { image: unknown }, opts: SandboxOptions = {}): Promise<Sandbox> {
    const mode = sdkMode();
    const live = mode === "live" ? await import("./sandbox-live.js") : undefined;
    const resources = irOf(opts.resources) as Record<string, unknown> | undefined;
    // Live mode needs an entrypoint that keeps the VM up; record mode leaves it to commands.start.
    const command = opts.command ?? live?.LIVE_DEFAULT_COMMAND;
    const create: Record<string, unknown> = {
      ...(typeof template === "string" ? { template } : { image: irOf(template.image) }),
      env: envOf(opts.env),
      include: [...(opts.include ?? ["**"])],
      tags: { ...(opts.tags ?? {}) },
      ...(opts.ttl !== undefined ? { ttl_seconds: opts.ttl } : {}),
      ...(resources
        ? {
            resources:
              "cpu" in resources ? { ...resources, cpu_cores: resources.cpu, cpu: undefined } : resources,
          }
        : {}),
      ...(opts.network !== undefined ? { network: irOf(opts.network) } : {}),
      ...(command ? { command: [...command] } : {}),
    };
    const state: RecordingState = {
      workload_id: opts.workloadId ?? "sandbox",
      create: JSON.parse(JSON.stringify(create)),
      ops: [],
    };
    if (opts.snapshot !== undefined && mode !== "live") liveOnly("Sandbox.create({ snapshot })");
    if (live) {
      const session = await live.liveCreate(state, {
        name: live.instanceName(opts.workloadId),
        sourceDir: opts.include ? process.cwd() : undefined,
        snapshot: opts.snapshot,
      });
      return new Sandbox(state, session);
    }
    // One recording per process: the first Sandbox.create is the one written.
    if (!recording) {
      recording = state;
      process.on("exit", writeRecording);
    }
    return new Sandbox(state);
  }

  readonly commands = {
    /** Record: appended to the recording. Live: started in the background in the guest. */
    start: async (
      argv: readonly string[],
      opts: { env?: Record<string, string> } = {},
    ): Promise<StartedCommand | undefined> => {
      if (this.live) return this.running().start(argv, opts.env);
      this.state.ops.push({ kind: "command_start", argv: [...argv], env: { ...(opts.env ?? {}) } });
      return undefined;
    },
  };

  readonly files = {
    write: async (path: string, data: string | Uint8Array): Promise<void> => {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
      if (this.live) return this.running().write(path, bytes);
      this.state.ops.push({ kind: "files_write", path, bytes_b64: bytes.toString("base64") });
    },
    read: async (path: string): Promise<Uint8Array> => this.running("files.read").read(path),
    list: async (path: string): Promise<FileEntry[]> => this.running("files.list").list(path),
    stat: async (path: string): Promise<FileInfo> => this.running("files.stat").stat(path),
    mkdir: async (path: string, opts: { parents?: boolean } = {}): Promise<void> =>
      this.running("files.mkdir").mkdir(path, Boolean(opts.parents)),
    remove: async (path: string, opts: { recursive?: boolean } = {}): Promise<void> =>
      this.running("files.remove").remove(path, Boolean(opts.recursive)),
    move: async (from: string, to: string): Promise<void> => this.running("files.move").move(from, to),
  };

  /** Runs argv to completion; a non-zero exit is returned, not thrown. `timeout` is in seconds. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.running("exec").exec(argv, opts);
  }

  /**
   * Live: saves the running guest (`mvmctl snapshot`; it pauses briefly, then continues) and
   * returns the snapshot id, for `Sandbox.create(sameTemplate, { ...sameOptions, snapshot: id })`.
   */
  async snapshot(): Promise<string> {
    return this.running("snapshot").snapshot();
  }

  /** Idempotent. Record: only the first kill is recorded. Live: `mvmctl down`. */
  async kill(): Promise<void> {
    if (this.#killed) return;
    if (this.live) await this.live.stop();
    else this.state.ops.push({ kind: "kill" });
    this.#killed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  private running(what?: string): LiveSession {
    if (!this.live) return liveOnly(what ?? "this call");
    if (this.#killed)
      throw new NotFoundError(
        `sandbox ${this.live.name} (killed before ${what ?? "this call"})`,
        "create a new sandbox",
      );
    return this.live;
  }
}
