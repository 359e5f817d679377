// Picks the accelerator for a boot: KVM when the probe booted the instance's kernel under it,
// otherwise TCG with a one-line notice. `--accel kvm` makes an unusable KVM an error instead of a
// silent slowdown. `up` (boot()) may still fall back once when the real KVM boot dies: up.ts.
import { MvmError } from "@mvm/ir/errors";
import type { Reporter } from "../lib/progress.js";
import { type KvmProbeKey, probeKvm, unusableReason } from "./vmm/kvm-probe.js";
import type { Accel } from "./vmm/qemu-args.js";

export type AccelRequest = Accel | "auto";

export interface AccelChoice {
  accel: Accel;
  /** The guest CPU model the probe booted with (KVM only). */
  cpuModel?: string;
  /** The probe cache key, so a failed KVM boot can be recorded against it. */
  probeKey?: KvmProbeKey;
}

export function kvmUnavailable(reason: string): MvmError {
  return new MvmError("E_KVM_UNAVAILABLE", `KVM cannot run a Linux guest here: ${reason}`, {
    hint: "drop --accel kvm to fall back to TCG (software emulation), or fix /dev/kvm access; `mvmctl doctor` shows the probe",
  });
}

export function tcgNotice(reason: string): string {
  return `KVM is not usable (${reason}); using TCG software emulation, boots take seconds`;
}

export async function chooseAccel(o: {
  request: AccelRequest;
  qemu: string;
  /** The vmlinuz about to be booted: the probe boots exactly this kernel. */
  kernel: string;
  /** Its sha256 when known (image.json's files entry), so it is not hashed per `up`. */
  kernelSha256?: string;
  cacheDir: string;
  reporter: Reporter;
}): Promise<AccelChoice> {
  if (o.request === "tcg") return { accel: "tcg" };
  const outcome = await probeKvm({
    qemu: o.qemu,
    kernel: o.kernel,
    kernelSha256: o.kernelSha256,
    cacheDir: o.cacheDir,
  });
  if (outcome.kind === "probe" && outcome.result.usable) {
    const { boot_id, qemu_version, kernel_sha256 } = outcome.result;
    return {
      accel: "kvm",
      cpuModel: outcome.result.cpu_model,
      probeKey: { boot_id, qemu_version, kernel_sha256 },
    };
  }
  const reason = unusableReason(outcome) ?? "the KVM probe failed";
  if (o.request === "kvm") throw kvmUnavailable(reason);
  o.reporter.warn(tcgNotice(reason));
  return { accel: "tcg" };
}
