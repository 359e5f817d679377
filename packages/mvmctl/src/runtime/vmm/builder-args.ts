// The builder VM's QEMU command line (docs/build.md, "Builder VM"): the instance's machine,
// accelerator, CPU model and kernel command line (qemu-args.ts) plus `mvm.builder=1`, with the
// staged root as a WRITABLE virtio disk (vda), an empty output disk (vdb, serial "mvm-out") for
// the result's tar stream, the agent channel, the console, and no NIC unless the workload declares
// build-time egress (then the restricted NIC + guestfwd of a bridge instance, docs/build.md).
import { BARE_ARGS, kernelCmdline, machineArgs, networkArgs, type QemuLaunchSpec } from "./qemu-args.js";

export interface BuilderLaunchSpec
  extends Pick<QemuLaunchSpec, "kernel" | "initrd" | "cpus" | "memoryMiB" | "accel" | "cpuModel" | "tscKhz"> {
  disk: string;
  outDisk: string;
  consoleLog: string;
  agentSocket: string;
  /**
   * Declared build-time egress: the connector argv for the per-build proxy. Present: the NIC of
   * a bridge instance (restrict=on slirp, one guestfwd to the proxy); absent: no NIC.
   */
  egressConnect?: string[];
}

const optValue = (v: string) => v.replace(/,/g, ",,");

export function builderQemuArgs(spec: BuilderLaunchSpec): string[] {
  return [
    ...machineArgs(spec),
    "-smp",
    String(spec.cpus),
    "-m",
    `${spec.memoryMiB}M`,
    ...BARE_ARGS,
    ...networkArgs({
      networkMode: spec.egressConnect?.length ? "bridge" : "none",
      egressConnect: spec.egressConnect,
    }),
    "-kernel",
    spec.kernel,
    "-initrd",
    spec.initrd,
    "-append",
    kernelCmdline({ accel: spec.accel, tscKhz: spec.tscKhz, extraCmdline: ["mvm.builder=1"] }),
    "-drive",
    `id=root,file=${optValue(spec.disk)},format=raw,if=none`,
    "-device",
    "virtio-blk-device,drive=root,serial=mvm-root",
    "-drive",
    `id=out,file=${optValue(spec.outDisk)},format=raw,if=none`,
    "-device",
    "virtio-blk-device,drive=out,serial=mvm-out",
    "-device",
    "virtio-serial-device",
    "-chardev",
    `socket,id=agent,path=${optValue(spec.agentSocket)},server=on,wait=off`,
    "-device",
    "virtserialport,chardev=agent,name=mvm.agent",
    "-chardev",
    `file,id=console,path=${optValue(spec.consoleLog)}`,
    "-serial",
    "chardev:console",
  ];
}
