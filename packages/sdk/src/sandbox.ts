// Sandbox (spec/runtime-sdk.md). Record mode (the default) appends calls to an in-process
// recording that is written to MVM_SDK_OUT_PATH when the process exits; nothing boots. Live mode
// drives a real microVM through the mvmctl CLI and is not implemented in this version: it fails
// with a typed error instead of pretending.
import { renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SdkModeError } from "./errors.js";
import { isHelperValue, HELPER } from "./values.js";

export type SdkMode = "record" | "live";

export function sdkMode(env: NodeJS.ProcessEnv = process.env): SdkMode {
  const v = env.MVM_SDK_MODE;
  if (v === undefined || v === "" || v === "record") return "record";
  if (v === "live") return "live";
  throw new SdkModeError(`MVM_SDK_MODE=${JSON.stringify(v)} is not accepted; accepted values: record, live (unset means record)`);
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
}

type Op = { kind: "files_write"; path: string; bytes_b64: string } | { kind: "command_start"; argv: string[]; env: Record<string, string> } | { kind: "kill" };

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
    const ir = (typeof v === "string" ? { kind: "literal", value: v } : irOf(v)) as { kind: string; ref?: { mount: { var?: string } } };
    out[k] = ir.kind === "secret_ref" && ir.ref ? { ...ir, ref: { ...ir.ref, mount: { kind: "env", var: ir.ref.mount.var ?? k } } } : ir;
  }
  return out;
}

function liveOnly(what: string): never {
  throw new SdkModeError(`${what} needs a running sandbox, which record mode does not have`, "run with MVM_SDK_MODE=live to drive a real microVM");
}

export class Sandbox {
  #killed = false;

  private constructor(private readonly state: RecordingState) {}

  /** `Sandbox.create("node-22")` or `Sandbox.create({ image: nix_packages([...]) })`. */
  static async create(template: string | { image: unknown }, opts: SandboxOptions = {}): Promise<Sandbox> {
    if (sdkMode() === "live") {
      throw new SdkModeError("live mode is not available in this version of mvm-sdk", "use record mode and `mvmctl compile script.ts`, then mvmctl build/up");
    }
    const resources = irOf(opts.resources) as Record<string, unknown> | undefined;
    const create: Record<string, unknown> = {
      ...(typeof template === "string" ? { template } : { image: irOf(template.image) }),
      env: envOf(opts.env),
      include: [...(opts.include ?? ["**"])],
      tags: { ...(opts.tags ?? {}) },
      ...(opts.ttl !== undefined ? { ttl_seconds: opts.ttl } : {}),
      ...(resources ? { resources: "cpu" in resources ? { ...resources, cpu_cores: resources.cpu, cpu: undefined } : resources } : {}),
      ...(opts.network !== undefined ? { network: irOf(opts.network) } : {}),
      ...(opts.command ? { command: [...opts.command] } : {}),
    };
    const state: RecordingState = { workload_id: opts.workloadId ?? "sandbox", create: JSON.parse(JSON.stringify(create)), ops: [] };
    // One recording per process: the first Sandbox.create is the one written.
    if (!recording) {
      recording = state;
      process.on("exit", writeRecording);
    }
    return new Sandbox(state);
  }

  readonly commands = {
    start: async (argv: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<void> => {
      this.state.ops.push({ kind: "command_start", argv: [...argv], env: { ...(opts.env ?? {}) } });
    },
  };

  readonly files = {
    write: async (path: string, data: string | Uint8Array): Promise<void> => {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
      this.state.ops.push({ kind: "files_write", path, bytes_b64: bytes.toString("base64") });
    },
    read: async (_path: string): Promise<Uint8Array> => liveOnly("files.read"),
    list: async (_path: string): Promise<string[]> => liveOnly("files.list"),
    stat: async (_path: string): Promise<unknown> => liveOnly("files.stat"),
    mkdir: async (_path: string): Promise<void> => liveOnly("files.mkdir"),
    remove: async (_path: string): Promise<void> => liveOnly("files.remove"),
    move: async (_from: string, _to: string): Promise<void> => liveOnly("files.move"),
  };

  async exec(_argv: readonly string[], _opts: { env?: Record<string, string>; cwd?: string; timeout?: number } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return liveOnly("exec");
  }

  async snapshot(): Promise<string> {
    return liveOnly("snapshot");
  }

  /** Idempotent: only the first kill is recorded. */
  async kill(): Promise<void> {
    if (this.#killed) return;
    this.#killed = true;
    this.state.ops.push({ kind: "kill" });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}
