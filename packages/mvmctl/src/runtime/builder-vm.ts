// The builder microVM (docs/build.md, "Builder VM"): where build-time code runs instead of the
// host. Same QEMU, accelerator choice (KVM only when the probe proves it) and guest agent as `up`;
// the staged root is booted READ-WRITE (`mvm.builder=1`: no overlay, no before_start, service or
// after_start) with no NIC unless the workload declares build-time egress (then the NIC of a
// bridge instance and a per-build egress proxy, stopped with the VM), and each step is a
// `hooks.run` of a script on that disk. QEMU is this process's child, killed when the steps end,
// fail or pass the deadline: nothing outlives the build. The caller reads the result from the output disk, never from this VM's root.
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, existsSync, openSync } from "node:fs";
import type { Server } from "node:net";
import { join } from "node:path";
import { isMvmError, MvmError } from "@mvm/ir/errors";
import type {
  BuilderEgressDecision,
  BuilderStepResult,
  BuilderVm,
  BuilderVmResult,
  BuilderVmSpec,
} from "../contracts/builder-vm.js";
import { helperEnv } from "../lib/child-env.js";
import { chooseAccel } from "./accel.js";
import { connectAgent } from "./agent/connect.js";
import type { AgentSession } from "./agent/session.js";
import { tailLines } from "./console-tail.js";
import { connectorArgv, connectorPath, resolveOverrides } from "./network/egress-process.js";
import { createEgressProxy, type EgressDecision } from "./network/egress-proxy.js";
import { builderQemuArgs } from "./vmm/builder-args.js";
import { hostTscKhz } from "./vmm/host-tsc.js";
import { findQemu } from "./vmm/qemu.js";

/** util-linux (Essential on Debian): sets the parent-death signal, then execs its argument. */
const SETPRIV = "/usr/bin/setpriv";

const TAIL_MAX = 64 * 1024;

/** Splits a stream into lines for the reporter, keeping a partial line until it ends. */
function lineSink(emit: (line: string) => void) {
  let partial = "";
  return {
    push(b: Buffer) {
      const text = partial + b.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) emit(l);
    },
    flush() {
      if (partial) emit(partial);
      partial = "";
    },
  };
}

/** "allow CONNECT files.example.com:443 (93.184.216.34)", as a build progress line shows it. */
export function describeEgressDecision(d: BuilderEgressDecision & { address?: string }): string {
  const target = d.host !== undefined ? ` ${d.host}:${d.port}` : "";
  const extra = d.reason ?? d.address;
  return `${d.decision}${d.method ? ` ${d.method}` : ""}${target}${extra ? ` (${extra})` : ""}`;
}

/**
 * The builder's egress proxy (docs/build.md, "Build-time egress"): the runtime's proxy
 * (egress-proxy.ts, the same allowlist check and dial-time address policy as `up`), in this
 * process, on a socket in the builder's private run dir. It lives exactly as long as the builder
 * VM. Every decision goes to `<runDir>/egress.log` and to the build's progress lines.
 */
async function startBuilderProxy(
  spec: BuilderVmSpec,
  decisions: BuilderEgressDecision[],
): Promise<{ server: Server; connect: string[] }> {
  if (!existsSync(connectorPath()))
    throw new MvmError("E_EGRESS_PROXY_FAILED", `the egress connector ${connectorPath()} is missing`, {
      hint: "build it with `make -C agent` (scripts/setup.sh does)",
    });
  const socket = join(spec.runDir, "egress.sock");
  const logFile = join(spec.runDir, "egress.log");
  const log = (d: EgressDecision) => {
    appendFileSync(logFile, `${JSON.stringify(d)}\n`, { mode: 0o600 });
    const { decision, method, host, port, reason } = d;
    decisions.push({ decision, method, host, port, reason });
    const line = `builder egress: ${describeEgressDecision(d)}`;
    if (decision === "allow") spec.reporter.log(`  ${line}`);
    else spec.reporter.warn(line);
  };
  const server = createEgressProxy({
    allowlist: spec.egress ?? [],
    resolve: new Map(Object.entries(resolveOverrides(process.env.MVM_EGRESS_RESOLVE))),
    log,
  });
  await new Promise<void>((res, rej) => {
    server.once("error", (e) =>
      rej(new MvmError("E_EGRESS_PROXY_FAILED", `the builder's egress proxy: ${e.message}`, { cause: e })),
    );
    server.listen(socket, () => res());
  });
  return { server, connect: connectorArgv(socket) };
}

export const runBuilderVm: BuilderVm = async (spec: BuilderVmSpec): Promise<BuilderVmResult> => {
  const r = spec.reporter;
  const decisions: BuilderEgressDecision[] = [];
  const proxy = spec.egress?.length ? await startBuilderProxy(spec, decisions) : undefined;
  try {
    return await boot(spec, proxy?.connect, decisions);
  } finally {
    if (proxy) {
      // The VM is gone: its connectors saw EOF. Close what is left rather than wait for idle timeouts.
      await new Promise<void>((res) => {
        const t = setTimeout(res, 1000);
        proxy.server.close(() => {
          clearTimeout(t);
          res();
        });
      });
      r.step(
        `builder egress proxy stopped: ${decisions.filter((d) => d.decision === "allow").length} allowed, ${decisions.filter((d) => d.decision !== "allow").length} denied or failed`,
      );
    }
  }
};

async function boot(
  spec: BuilderVmSpec,
  egressConnect: string[] | undefined,
  decisions: BuilderEgressDecision[],
): Promise<BuilderVmResult> {
  const r = spec.reporter;
  const qemu = findQemu();
  const choice = await chooseAccel({
    request: "auto",
    qemu,
    kernel: spec.kernel,
    cacheDir: spec.probeCacheDir,
    reporter: r,
  }).catch(() => ({ accel: "tcg" as const, cpuModel: undefined }));
  const consoleLog = join(spec.runDir, "console.log");
  const vmmLog = join(spec.runDir, "vmm.log");
  const agentSocket = join(spec.runDir, "agent.sock");
  const argv = builderQemuArgs({
    kernel: spec.kernel,
    initrd: spec.initrd,
    cpus: spec.cpus,
    memoryMiB: spec.memoryMiB,
    accel: choice.accel,
    cpuModel: choice.cpuModel,
    tscKhz: choice.accel === "tcg" ? hostTscKhz() : undefined,
    disk: spec.disk,
    outDisk: spec.outDisk,
    consoleLog,
    agentSocket,
    egressConnect,
  });
  const net = egressConnect
    ? `egress only via the build proxy to ${(spec.egress ?? []).map((g) => `${g.host}:${g.port}`).join(", ")}`
    : "no network";
  r.step(`builder VM: booting (${choice.accel}, ${spec.cpus} vCPU, ${spec.memoryMiB} MiB, ${net})`);
  const t0 = performance.now();
  const log = openSync(vmmLog, "a", 0o600);
  // Attached (not detached): a child of this build, ended in `finally`. A build killed outright
  // (SIGKILL, OOM) runs no `finally`; PR_SET_PDEATHSIG, set by util-linux `setpriv` before it
  // execs QEMU (same pid), kills the builder with it, so no VM runs build-time code unattended.
  const [cmd, args] = existsSync(SETPRIV)
    ? [SETPRIV, ["--pdeathsig", "KILL", "--", qemu, ...argv]]
    : [qemu, argv];
  const child = spawn(cmd, args, { stdio: ["ignore", log, log], env: helperEnv() });
  closeSync(log);
  let exited = false;
  const gone = new Promise<void>((res) =>
    child.once("exit", () => {
      exited = true;
      res();
    }),
  );
  child.once("error", () => {
    exited = true;
  });
  const killVm = () => {
    if (!exited) child.kill("SIGKILL");
  };
  process.once("exit", killVm);
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      killVm();
    },
    Math.max(0, spec.deadline - Date.now()),
  );
  const timeoutError = () =>
    new MvmError(
      "E_BUILD_TIMEOUT",
      `build-time code did not finish within ${Math.round(spec.timeoutMs / 1000)} s; the builder VM was killed`,
    );
  let agent: AgentSession | undefined;
  const steps: BuilderStepResult[] = [];
  try {
    try {
      agent = await connectAgent(agentSocket, { deadline: spec.deadline, alive: () => !exited });
      const hello = await agent.hello();
      if (hello.ready_error)
        throw new MvmError("E_BUILDER_FAILED", `the builder VM did not boot: ${hello.ready_error}`);
    } catch (e) {
      if (timedOut) throw timeoutError();
      const tail = await tailLines(consoleLog, 15);
      for (const l of tail) r.log(`  builder console: ${l}`);
      for (const l of await tailLines(vmmLog, 5)) r.log(`  qemu: ${l}`);
      if (isMvmError(e) && e.code === "E_BUILDER_FAILED") throw e;
      throw new MvmError("E_BUILDER_FAILED", `the builder VM did not start: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const bootMs = Math.round(performance.now() - t0);
    r.step(`builder VM: up in ${(bootMs / 1000).toFixed(1)} s`);
    for (const step of spec.steps) {
      r.step(`builder: ${step.title}`);
      const ts = performance.now();
      let output = "";
      const keep = (line: string) => {
        r.log(`  | ${line}`);
        output += `${line}\n`;
        if (output.length > TAIL_MAX) output = output.slice(-TAIL_MAX / 2);
      };
      const out = lineSink(keep);
      const err = lineSink(keep);
      let exitCode: number;
      try {
        exitCode = await agent.hooksRun(
          step.phase,
          { stdout: (b) => out.push(b), stderr: (b) => err.push(b) },
          Math.max(1, spec.deadline - Date.now()),
        );
      } catch (e) {
        if (timedOut || Date.now() >= spec.deadline) throw timeoutError();
        throw new MvmError(
          "E_BUILDER_FAILED",
          `builder step "${step.title}" lost the agent: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      out.flush();
      err.flush();
      // The agent kills a step at its timeout (the time left before the deadline).
      if (Date.now() >= spec.deadline) throw timeoutError();
      const ms = Math.round(performance.now() - ts);
      steps.push({ phase: step.phase, exitCode, output, ms });
      r.step(`builder: ${step.title}: exit ${exitCode} (${(ms / 1000).toFixed(1)} s)`);
      if (exitCode !== 0) break;
    }
    return { steps, accel: choice.accel, bootMs, egress: decisions };
  } finally {
    clearTimeout(timer);
    agent?.close();
    killVm();
    await Promise.race([gone, new Promise((res) => setTimeout(res, 5000))]);
    process.removeListener("exit", killVm);
  }
}
