// Runs the real agent binary on the host (unix socket or stdio) against a temp fake guest root:
// <root>/etc/mvm/runtime.json, <root>/etc/mvm/hooks/, runners from agent/runners, and the
// fixture functions in <root>/app. Only the transport differs from a guest.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AgentClient } from "../../src/runtime/agent/protocol/client.js";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../../..");
export const agentDir = join(repoRoot, "agent");
export const agentBin = join(agentDir, "build", "mvm-agent");

let built = false;
export function buildAgent(): void {
  if (built) return;
  execFileSync("make", ["-s", "-C", agentDir], { stdio: ["ignore", "ignore", "inherit"] });
  built = true;
}

const p = (name: string, required = true, kind = "normal") => ({ name, kind, required });

export const ENTRYPOINTS = {
  greet: { function: "greet", params: [p("name"), p("punct", false)] },
  agreet: { function: "agreet", params: [p("name")] },
  boom: { function: "boom", params: [p("message")] },
  sleepy: { function: "sleepy", params: [p("seconds")] },
  stubborn: { function: "stubborn", params: [p("seconds")] },
  crash: { function: "crash", params: [] },
  big: { function: "big", params: [p("n")] },
  notjson: { function: "notjson", params: [] },
  environ: { function: "environ", params: [], env: { EP_VAR: "from-entrypoint" } },
  length: { function: "length", params: [p("data")] },
  counter: { function: "counter", params: [p("sleep", false), p("die", false)] },
  bail: { function: "bail", params: [p("code")] },
  envprobe: { function: "envprobe", params: [p("leak", false)] },
};

export interface AgentOptions {
  dev?: boolean;
  hooks?: Record<string, string>;
  ready?: { poll_ms: number; timeout_ms: number };
  /** Replaces runtime.json entirely (for invalid-file tests). */
  runtimeJson?: string;
  transport?: "unix" | "stdio";
}

export interface RunningAgent {
  client: AgentClient;
  proc: ChildProcess;
  root: string;
  log: () => string;
  stop: () => Promise<void>;
}

export function makeRoot(opts: AgentOptions = {}): string {
  const root = mkdtempSync(join(tmpdir(), "mvm-agent-test-"));
  const app = join(root, "app");
  mkdirSync(app);
  mkdirSync(join(root, "etc/mvm/hooks"), { recursive: true });
  mkdirSync(join(root, "usr/lib/mvm"), { recursive: true });
  mkdirSync(join(root, "tmp"));
  copyFileSync(join(here, "fixture/app.py"), join(app, "app.py"));
  copyFileSync(join(here, "fixture/app.mjs"), join(app, "app.mjs"));
  copyFileSync(join(agentDir, "runners/runner.py"), join(root, "usr/lib/mvm/runner.py"));
  copyFileSync(join(agentDir, "runners/runner.mjs"), join(root, "usr/lib/mvm/runner.mjs"));
  const entrypoints: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(ENTRYPOINTS)) {
    entrypoints[name] = {
      kind: "function",
      language: "python",
      module: "app",
      working_dir: app,
      env: {},
      ...e,
    };
  }
  entrypoints.greetJs = {
    kind: "function",
    language: "node",
    module: "app",
    function: "greetJs",
    working_dir: app,
    env: {},
    params: [p("name"), p("punct", false)],
  };
  entrypoints.missingModule = {
    kind: "function",
    language: "python",
    module: "nosuch",
    function: "f",
    working_dir: app,
    params: [],
  };
  entrypoints.counterJs = {
    kind: "function",
    language: "node",
    module: "app",
    function: "counterJs",
    working_dir: app,
    params: [p("die", false)],
  };
  entrypoints.failJs = {
    kind: "function",
    language: "node",
    module: "app",
    function: "failJs",
    working_dir: app,
    params: [],
  };
  const runtime = {
    version: 1,
    workload_id: "agent-test",
    dev: opts.dev ?? false,
    primary: "greet",
    env: { RT_VAR: "from-runtime" },
    entrypoints,
    hooks: Object.keys(opts.hooks ?? {}),
    ready: opts.ready ?? { poll_ms: 50, timeout_ms: 5000 },
  };
  writeFileSync(join(root, "etc/mvm/runtime.json"), opts.runtimeJson ?? JSON.stringify(runtime));
  for (const [phase, script] of Object.entries(opts.hooks ?? {})) {
    writeFileSync(join(root, `etc/mvm/hooks/${phase}.sh`), script);
  }
  return root;
}

export async function startAgent(opts: AgentOptions = {}): Promise<RunningAgent> {
  buildAgent();
  const root = makeRoot(opts);
  const sock = join(root, "agent.sock");
  const transport = opts.transport ?? "unix";
  const args = [
    ...(transport === "unix" ? ["--listen-unix", sock] : ["--stdio"]),
    "--root",
    root,
    "--tmp-dir",
    join(root, "tmp"),
    // `restore` must never set the host's clock from a test.
    "--no-clock",
  ];
  const proc = spawn(agentBin, args, { stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  proc.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  let client: AgentClient;
  if (transport === "unix") {
    const until = Date.now() + 5000;
    while (!existsSync(sock)) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`agent did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // The socket file appears at bind(), a moment before listen(): retry a refused connect.
    for (;;) {
      try {
        client = await AgentClient.connect(sock);
        break;
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } else {
    const { Duplex } = await import("node:stream");
    client = new AgentClient(Duplex.from({ readable: proc.stdout!, writable: proc.stdin! }));
  }
  const stop = async () => {
    client.close();
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGKILL");
      await new Promise((r) => proc.once("exit", r));
    }
    rmSync(root, { recursive: true, force: true });
  };
  return { client, proc, root, log: () => log, stop };
}

/** `[args, kwargs]` as the stdin of an invoke. */
export const call = (args: unknown[] = [], kwargs: Record<string, unknown> = {}) =>
  JSON.stringify([args, kwargs]);
