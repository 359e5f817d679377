// The VMM driver interface (DESIGN §4.6): everything the runtime needs from a VMM. QEMU is the
// only driver today; Firecracker will implement the same calls with the same image.
import { MvmError } from "@mvm/ir/errors";
import type { QemuLaunchSpec } from "./qemu-args.js";

export type VmmName = "qemu" | "firecracker";

export interface StartedVm {
  pid: number;
  argv: string[];
}

export interface StopOptions {
  /** Time to wait for the VM to exit on its own (the guest powering off) before forcing it. */
  graceMs: number;
}

export interface VmmDriver {
  readonly name: VmmName;
  /** Starts the VM detached from this process; resolves once the VMM process exists. */
  start(spec: QemuLaunchSpec, vmmLog: string, extra?: string[]): Promise<StartedVm>;
  /** Ends the VM: waits graceMs for it to exit, then asks the VMM to quit, then signals it. */
  stop(pid: number, qmpSocket: string, opts: StopOptions): Promise<"exited" | "quit" | "killed">;
  snapshot(): Promise<never>;
  restore(): Promise<never>;
}

export function unsupported(what: string, vmm: VmmName): never {
  throw new MvmError("E_UNSUPPORTED", `${what} is not supported by the ${vmm} driver yet`, {
    hint: "boot the image with `mvmctl up` instead",
  });
}
