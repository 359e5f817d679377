// mvm runtime benchmark: boot to ready, cold start (up + first invoke), warm invoke latency (next
// to the same call inside the warm runner in the guest, and to --fresh one-shot invokes), each
// next to the bare kernel-to-init time of the same kernel and QEMU measured in the same run.
// Usage: node --import tsx bench/runtime.ts [--image REF] [--arg NAME] [--runs 3] [--calls 50] [--accel auto|kvm|tcg]
// Without --image it compiles and builds bench/fixtures/echo (the IR route) with the mvmctl CLI.
// Definitions and promises: bench/SPEC.md. Prints figures; never fails on them.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { cpus, hostname, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { silentReporter } from "../packages/mvmctl/dist/cli/reporter.js";
import { chooseAccel } from "../packages/mvmctl/dist/runtime/accel.js";
import { down } from "../packages/mvmctl/dist/runtime/down.js";
import { exec } from "../packages/mvmctl/dist/runtime/guest-exec.js";
import { type ImageManifest, resolveImage } from "../packages/mvmctl/dist/runtime/image-ref.js";
import { invoke } from "../packages/mvmctl/dist/runtime/invoke.js";
import { mvmHome } from "../packages/mvmctl/dist/runtime/paths.js";
import { boot } from "../packages/mvmctl/dist/runtime/up.js";
import { hostTscKhz } from "../packages/mvmctl/dist/runtime/vmm/host-tsc.js";
import { findQemu } from "../packages/mvmctl/dist/runtime/vmm/qemu.js";
import { bareBootMs, bareInitramfs } from "./bare-kernel.js";
import { checkSpec, type Figures, median, percentile } from "./stats.js";

const REPO = resolve(import.meta.dirname, "..");

const { values: flags } = parseArgs({
  options: {
    image: { type: "string" },
    runs: { type: "string", default: "3" },
    calls: { type: "string", default: "50" },
    // The keyword argument each call passes (--image workloads take their own, e.g. `name`).
    arg: { type: "string", default: "value" },
    accel: { type: "string", default: "auto" },
    json: { type: "boolean", default: false },
  },
});

/** One call's [args, kwargs]: the --arg keyword with a JSON-able value. */
function call(v: number): [unknown[], Record<string, unknown>] {
  return [[], { [flags.arg as string]: flags.arg === "value" ? v : String(v) }];
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [join(REPO, "packages/mvmctl/bin/mvmctl.js"), ...args], {
    env,
    cwd: REPO,
    stdio: ["ignore", "pipe", "inherit"],
  }).toString();
}

/**
 * The runner run directly in the guest (through exec, timed by the guest's own clock), so the
 * agent and host path's share of a warm invoke can be read off. Empty when exec is unavailable.
 */
async function directRunnerMs(home: string, name: string, m: ImageManifest, n: number): Promise<number[]> {
  const ep = m.entrypoints[m.primary] as
    | { language?: string; working_dir?: string; module?: string; function?: string; params?: unknown }
    | undefined;
  if (!ep || !m.dev) return [];
  const [interp, runner] =
    ep.language === "python" ? ["python3", "/usr/lib/mvm/runner.py"] : ["node", "/usr/lib/mvm/runner.mjs"];
  const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  const call = [
    interp,
    runner,
    ep.working_dir ?? "/app",
    ep.module ?? "",
    ep.function ?? "",
    JSON.stringify(ep.params ?? []),
  ]
    .map(q)
    .join(" ");
  const script = `cd "$(mktemp -d)"; s=$(date +%s%N); echo '[[],{"value":1}]' | ${call} >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let text = "";
    const code = await exec({
      home,
      name,
      argv: ["sh", "-c", script],
      sink: { stdout: (b) => (text += b.toString()), stderr: () => undefined },
    });
    if (code !== 0) return out;
    out.push(Number(text.trim()));
  }
  return out;
}

// In-guest driver for a warm runner: spawns `runner.py --serve` with its request pipe on fd 3 and
// its reply pipe on fd 4 (docs/protocol.md "Warm runners"), makes one untimed call (the import),
// then times n calls through the same framing the agent uses; prints the round trips in ms.
const WARM_DRIVER = `
import json, os, struct, subprocess, sys, time
wd, mod, fn, params, n = sys.argv[1:6]
r3, w3 = os.pipe(); r4, w4 = os.pipe()
def fds():
    a, b = os.dup(r3), os.dup(w4)
    os.dup2(a, 3); os.dup2(b, 4)
p = subprocess.Popen(["python3", "/usr/lib/mvm/runner.py", "--serve", wd, mod, fn, params],
    close_fds=False, preexec_fn=fds, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(r3); os.close(w4)
rep = os.fdopen(r4, "rb")
def call(i):
    body = json.dumps({"cwd": "/", "env": {}}).encode() + b"\\n" + json.dumps([[], {"value": i}]).encode()
    t = time.perf_counter()
    os.write(w3, struct.pack(">I", len(body)) + body)
    size = struct.unpack(">I", rep.read(4))[0]
    head = json.loads(rep.read(size).split(b"\\n", 1)[0])
    if head["exit_code"] != 0: sys.exit(1)
    return (time.perf_counter() - t) * 1000
call(-1)
print(json.dumps([round(call(i), 3) for i in range(int(n))]))
p.kill()
`;

/**
 * The same function called n times inside a warm runner in the guest, with no agent and no host
 * in the path: the floor a warm invoke can reach. Python entrypoints on dev images only.
 */
async function warmRunnerInGuestMs(
  home: string,
  name: string,
  m: ImageManifest,
  n: number,
): Promise<number[]> {
  const ep = m.entrypoints[m.primary] as
    | { language?: string; working_dir?: string; module?: string; function?: string; params?: unknown }
    | undefined;
  if (!ep || !m.dev || ep.language !== "python") return [];
  let text = "";
  const code = await exec({
    home,
    name,
    argv: [
      "python3",
      "-c",
      WARM_DRIVER,
      ep.working_dir ?? "/app",
      ep.module ?? "",
      ep.function ?? "",
      JSON.stringify(ep.params ?? []),
      String(n),
    ],
    sink: { stdout: (b) => (text += b.toString()), stderr: () => undefined },
  });
  return code === 0 ? (JSON.parse(text) as number[]) : [];
}

/** The newest mtime under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

async function main(): Promise<void> {
  // The bench runs what users run: tsc's dist/ (its helpers start as plain node, not via tsx).
  const built = statSync(join(REPO, "packages/mvmctl/dist/.tsbuildinfo"), { throwIfNoEntry: false });
  if (!built || built.mtimeMs < newest(join(REPO, "packages/mvmctl/src")))
    log("bench: WARNING packages/mvmctl/dist is older than its sources; run `npm run build` first");
  const home = mvmHome();
  const runs = Number(flags.runs);
  const calls = Number(flags.calls);
  const work = await mkdtemp(join(tmpdir(), "mvm-bench-"));
  let ref = flags.image;
  if (!ref) {
    const out = join(work, "echo");
    log("bench: compiling and building bench/fixtures/echo ...");
    cli(["compile", join(REPO, "bench/fixtures/echo/workload.json"), "--out", out, "-q"], process.env);
    cli(["build", out, "-q"], process.env);
    ref = out;
  }
  const image = await resolveImage(home, ref);
  const qemu = findQemu();
  // The probe boots the image's kernel under the instance's CPU model; every boot below then uses
  // that one accelerator strictly (a KVM boot that dies fails the run instead of mixing figures).
  const { accel, cpuModel } = await chooseAccel({
    request: flags.accel as "auto" | "kvm" | "tcg",
    qemu,
    kernel: image.kernel,
    cacheDir: join(home, "cache"),
    reporter: { ...silentReporter, warn: (m) => log(`notice: ${m}`) },
  });
  const cpusN = image.manifest.resources.cpu_cores;
  const memoryMiB = image.manifest.resources.memory_mb;

  // Bare kernel-to-init, same kernel and argv (the image's rootfs is attached but unused). One
  // bare boot right before each full boot, so both see the same host load.
  const bareInitrd = await bareInitramfs(work);
  await mkdir(join(work, "bare"), { recursive: true });
  const bare: number[] = [];
  const bareOnce = () =>
    bareBootMs(qemu, {
      kernel: image.kernel,
      initrd: bareInitrd,
      rootfs: image.rootfs,
      cpus: cpusN,
      memoryMiB,
      accel,
      cpuModel,
      networkMode: null,
      consoleLog: join(work, "bare/console.log"),
      agentSocket: join(work, "bare/agent.sock"),
      qmpSocket: join(work, "bare/qmp.sock"),
      tscKhz: accel === "tcg" ? hostTscKhz() : undefined,
    });
  const loadBefore = loadavg()[0] ?? 0;
  const ready: number[] = [];
  const guestBoot: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const direct: number[] = [];
  const fresh: number[] = [];
  const inGuest: number[] = [];
  const name = `bench-${process.pid}`;
  for (let i = 0; i < runs; i++) {
    bare.push(await bareOnce());
    const t0 = performance.now();
    // --cold: the ready snapshot (saved by the first plain up below) must not make these restores.
    const up = await boot({ home, ref, name, accel, cold: true, reporter: silentReporter });
    try {
      await invoke({ home, name, payload: call(1), timeoutMs: 60_000 });
      cold.push(performance.now() - t0);
      ready.push(up.bootMs);
      guestBoot.push(up.guestBootMs);
      log(
        `bench: run ${i + 1}: bare ${bare.at(-1)?.toFixed(0)} ms, boot to ready ${up.bootMs} ms, cold start ${cold.at(-1)?.toFixed(0)} ms`,
      );
      if (i === runs - 1) {
        for (let c = 0; c < calls; c++) {
          const t = performance.now();
          await invoke({ home, name, payload: call(c), timeoutMs: 60_000 });
          warm.push(performance.now() - t);
        }
        // --fresh: a one-shot runner per call (a new interpreter and a new import every time).
        for (let c = 0; c < Math.min(calls, 20); c++) {
          const t = performance.now();
          await invoke({ home, name, payload: call(c), timeoutMs: 60_000, fresh: true });
          fresh.push(performance.now() - t);
        }
        inGuest.push(...(await warmRunnerInGuestMs(home, name, image.manifest, calls)));
        direct.push(...(await directRunnerMs(home, name, image.manifest, Math.min(calls, 10))));
      }
    } finally {
      await down({ home, name, reporter: silentReporter });
    }
  }

  // Restored start (docs/cli/snapshot.md): a plain up saves the image's ready snapshot if it has
  // none; each run then resumes it and makes the same first call as a cold start.
  const restored: number[] = [];
  const restoreMs: number[] = [];
  await boot({ home, ref, name, accel, reporter: silentReporter });
  await down({ home, name, reporter: silentReporter });
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const up = await boot({ home, ref, name, accel, reporter: silentReporter });
    try {
      if (!up.state.snapshot?.restored) throw new Error("bench: the restored start booted cold");
      await invoke({ home, name, payload: call(1), timeoutMs: 60_000 });
      restored.push(performance.now() - t0);
      restoreMs.push(up.bootMs);
      log(
        `bench: restored run ${i + 1}: QEMU start to ready ${up.bootMs} ms, restored start ${restored.at(-1)?.toFixed(0)} ms`,
      );
    } finally {
      await down({ home, name, reporter: silentReporter });
    }
  }

  const figures: Figures = {
    host: {
      hostname: hostname(),
      cpu: cpus()[0]?.model ?? "unknown",
      host_cpus: cpus().length,
      host_memory_gib: Math.round(totalmem() / 2 ** 30),
      qemu: execFileSync(qemu, ["--version"]).toString().split("\n")[0] ?? "",
      load_avg_1m: [loadBefore, loadavg()[0] ?? 0],
    },
    accel,
    vcpus: cpusN,
    memory_mib: memoryMiB,
    kernel: image.manifest.kernel?.version ?? "unknown",
    image: image.manifest.digest,
    runs,
    calls,
    bare_kernel_to_init_ms: { median: median(bare), samples: bare },
    boot_to_ready_ms: { median: median(ready), samples: ready },
    guest_kernel_to_agent_ms: { median: median(guestBoot), samples: guestBoot },
    cold_start_ms: { median: median(cold), samples: cold },
    restored_start_ms: { median: median(restored), samples: restored },
    restore_to_ready_ms: { median: median(restoreMs), samples: restoreMs },
    warm_invoke_ms: {
      median: median(warm),
      p95: percentile(warm, 95),
      min: Math.min(...warm),
      max: Math.max(...warm),
    },
    fresh_invoke_ms: { median: median(fresh), p95: percentile(fresh, 95), samples: fresh },
    warm_runner_in_guest_ms: { median: median(inGuest), p95: percentile(inGuest, 95), samples: inGuest },
    direct_runner_ms: { median: median(direct), samples: direct },
  };
  const results = join(REPO, "bench/results");
  await mkdir(results, { recursive: true });
  await writeFile(
    join(results, `runtime-${new Date().toISOString().replace(/[:.]/g, "-")}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const f = (n: number) => `${n.toFixed(0)} ms`;
  const lines = [
    `host      ${figures.host.cpu}, ${figures.host.host_cpus} CPUs, ${figures.host.host_memory_gib} GiB; ${figures.host.qemu}; load ${figures.host.load_avg_1m.map((x) => x.toFixed(1)).join(" -> ")}`,
    `guest     accel ${accel}, ${cpusN} vCPU, ${memoryMiB} MiB, kernel ${figures.kernel}, image ${figures.image.slice(0, 12)}`,
    `runs      ${runs} boots, ${calls} warm calls`,
    "",
    `bare kernel-to-init      median ${f(figures.bare_kernel_to_init_ms.median)}   (QEMU start -> marker from a trivial /init; same kernel and argv)`,
    `boot to ready            median ${f(figures.boot_to_ready_ms.median)}   (QEMU start -> agent ready, after before_start/after_start)`,
    `  ratio to bare          ${(figures.boot_to_ready_ms.median / figures.bare_kernel_to_init_ms.median).toFixed(2)}x`,
    `  guest kernel->agent    median ${f(figures.guest_kernel_to_agent_ms.median)}   (agent's boot_ms, guest clock)`,
    `cold start               median ${f(figures.cold_start_ms.median)}   (boot() call -> first invoke result)`,
    `restored start           median ${f(figures.restored_start_ms.median)}   (boot() resuming the ready snapshot -> first invoke result; ${((100 * figures.restored_start_ms.median) / figures.cold_start_ms.median).toFixed(0)}% of cold start)`,
    `  restore to ready       median ${f(figures.restore_to_ready_ms.median)}   (QEMU -incoming start -> agent ready after the restore op)`,
    `warm invoke              median ${f(figures.warm_invoke_ms.median)}, p95 ${f(figures.warm_invoke_ms.p95)}   (invoke() call -> result: connect, hello, echo() in the entrypoint's warm runner, VM up)`,
    `  in the warm runner     median ${figures.warm_runner_in_guest_ms.median.toFixed(1)} ms, p95 ${figures.warm_runner_in_guest_ms.p95.toFixed(1)} ms   (the same call through a warm runner's pipes, timed inside the guest: no agent, no host; dev images only)`,
    `fresh invoke (--fresh)   median ${f(figures.fresh_invoke_ms.median)}, p95 ${f(figures.fresh_invoke_ms.p95)}   (invoke() with fresh: a one-shot runner per call, ${fresh.length} calls)`,
    `  warm / fresh           ${((100 * figures.warm_invoke_ms.median) / figures.fresh_invoke_ms.median).toFixed(1)}% (medians)`,
    `  runner direct in guest median ${f(figures.direct_runner_ms.median)}   (the same runner and call timed inside the guest, no agent; dev images only)`,
    "",
    ...checkSpec(figures),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
