// Picks the accelerator for a boot: KVM when a test guest proves it works, otherwise TCG with a
// one-line notice. `--accel kvm` makes an unusable KVM an error instead of a silent slowdown.
import { MvmError } from "@mvm/ir/errors";
import type { Reporter } from "../cli/reporter.js";
import { probeKvm } from "./vmm/kvm-probe.js";
import type { Accel } from "./vmm/qemu-args.js";

export type AccelRequest = Accel | "auto";

export async function chooseAccel(o: {
  request: AccelRequest;
  qemu: string;
  cacheDir: string;
  reporter: Reporter;
}): Promise<Accel> {
  if (o.request === "tcg") return "tcg";
  const probe = await probeKvm({ qemu: o.qemu, cacheDir: o.cacheDir });
  if (probe.usable) return "kvm";
  if (o.request === "kvm") {
    throw new MvmError("E_KVM_UNAVAILABLE", `KVM cannot run a guest here: ${probe.reason}`, {
      hint: "drop --accel kvm to fall back to TCG (software emulation), or fix /dev/kvm access",
    });
  }
  o.reporter.warn(`KVM is not usable (${probe.reason}); using TCG software emulation, boots take seconds`);
  return "tcg";
}
