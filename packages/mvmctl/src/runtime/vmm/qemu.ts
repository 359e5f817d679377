// The QEMU driver: starts qemu-system-x86_64 detached from the CLI (the VM outlives `mvmctl up`),
// with its own stderr in the instance's vmm.log, and stops it in escalating steps.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { helperEnv } from "../../lib/child-env.js";
import { processAlive, waitGone } from "../proc.js";
import { type StartedVm, type StopOptions, unsupported, type VmmDriver } from "./driver.js";
import { type QemuLaunchSpec, qemuArgs } from "./qemu-args.js";
import { qmpCommand } from "./qmp.js";

/** `MVM_QEMU`, else qemu-system-x86_64 on PATH. */
export function findQemu(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MVM_QEMU) return env.MVM_QEMU;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const p = join(dir, "qemu-system-x86_64");
    if (dir && existsSync(p)) return p;
  }
  throw new MvmError("E_VMM_NOT_FOUND", "qemu-system-x86_64 was not found on PATH", {
    hint: "install it (Debian/Ubuntu: apt-get install qemu-system-x86) or set MVM_QEMU=<path>",
  });
}

export class QemuDriver implements VmmDriver {
  readonly name = "qemu" as const;
  constructor(private readonly binary: string = findQemu()) {}

  /** `extra`: arguments after the instance's own (`-incoming` when restoring a snapshot). */
  async start(spec: QemuLaunchSpec, vmmLog: string, extra: string[] = []): Promise<StartedVm> {
    const argv = [...qemuArgs(spec), ...extra];
    const log = openSync(vmmLog, "a");
    try {
      // Only PATH and LANG: QEMU never sees the CLI's environment (credentials, MVM_* settings).
      const child = spawn(this.binary, argv, {
        detached: true,
        stdio: ["ignore", log, log],
        env: helperEnv(),
      });
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", () => resolve());
        child.once("error", (e) =>
          reject(new MvmError("E_BOOT_FAILED", `could not start ${this.binary}: ${e.message}`, { cause: e })),
        );
      });
      child.unref();
      if (child.pid === undefined) throw new MvmError("E_BOOT_FAILED", `could not start ${this.binary}`);
      return { pid: child.pid, argv: [this.binary, ...argv] };
    } finally {
      closeSync(log);
    }
  }

  async stop(pid: number, qmpSocket: string, opts: StopOptions): Promise<"exited" | "quit" | "killed"> {
    const marker = qmpSocket;
    if (await waitGone(pid, marker, opts.graceMs)) return "exited";
    try {
      await qmpCommand(qmpSocket, "quit", 2000);
      if (await waitGone(pid, marker, 2000)) return "quit";
    } catch {
      // QMP unreachable (QEMU wedged or socket gone): fall through to signals.
    }
    if (processAlive(pid, marker)) process.kill(pid, "SIGTERM");
    if (await waitGone(pid, marker, 2000)) return "killed";
    if (processAlive(pid, marker)) process.kill(pid, "SIGKILL");
    await waitGone(pid, marker, 2000);
    return "killed";
  }

  snapshot(): Promise<never> {
    return Promise.resolve().then(() => unsupported("snapshot", "qemu"));
  }
  restore(): Promise<never> {
    return Promise.resolve().then(() => unsupported("restore", "qemu"));
  }
}
