// The QEMU command line for one instance, as a pure function so it can be unit-tested and shown
// (`up --dry-run`-style debugging, bench). Facts behind each flag: docs/adr/0005-qemu-microvm-driver.md.
import { MvmError } from "@mvm/ir/errors";

export type Accel = "kvm" | "tcg";

export interface QemuLaunchSpec {
  kernel: string;
  initrd: string;
  rootfs: string;
  cpus: number;
  memoryMiB: number;
  accel: Accel;
  /**
   * The guest CPU model under KVM, as the probe proved it (kvm-probe.ts); default "host".
   * Ignored under TCG, which emulates QEMU's default model.
   */
  cpuModel?: string;
  /** IR network mode; null (no network block) means "none". */
  networkMode: string | null;
  /**
   * Bridge mode: the command QEMU runs for each guest connection to the proxy address; it splices
   * the connection to the instance's egress proxy (docs/adr/0008-egress-proxy.md).
   */
  egressConnect?: string[];
  /**
   * Bridge mode, inbound port forwards (docs/adr/0011-port-forwards.md): QEMU listens on
   * 127.0.0.1:hostPort (only the instance's forwarder connects there) and carries each connection
   * to the guest's relay at 10.0.2.15:guestPort. Inbound only: restrict=on still drops guest-initiated packets.
   */
  hostForwards?: { hostPort: number; guestPort: number }[];
  /**
   * The fetch broker's unix socket (docs/fetch.md): each of `fetchPorts` virtio-serial ports
   * "mvm.fetch.N" is a chardev that connects to it as a client (the broker listens; reconnect=1
   * brings a port back if the broker restarts). Absent: no fetch ports.
   */
  fetchSocket?: string;
  fetchPorts?: number;
  consoleLog: string;
  agentSocket: string;
  qmpSocket: string;
  /**
   * Host TSC rate under TCG. The guest's TSC runs at the host's rate, and microvm has no HPET or
   * ACPI PM timer to calibrate against; when the PIT calibration loses its race under a loaded
   * TCG host the kernel marks the TSC unstable and hangs. Passing the rate skips calibration.
   */
  tscKhz?: number;
  /** Extra kernel command line words (tests, bench). */
  extraCmdline?: string[];
}

/** Kernel command line: serial console, the agent as PID 1 in the initramfs, no reboot loops. */
export function kernelCmdline(spec: Pick<QemuLaunchSpec, "accel" | "tscKhz" | "extraCmdline">): string {
  const words = [
    "console=ttyS0",
    "rdinit=/init",
    // A guest panic must end QEMU (with -no-reboot) so the instance shows as failed, not hang.
    "panic=-1",
    "quiet",
  ];
  if (spec.accel === "tcg" && spec.tscKhz && spec.tscKhz > 0)
    words.push(`tsc_early_khz=${Math.round(spec.tscKhz)}`);
  words.push(...(spec.extraCmdline ?? []));
  return words.join(" ");
}

/** Commas in QEMU option values are escaped by doubling them. */
function optValue(v: string): string {
  return v.replace(/,/g, ",,");
}

export function assertNetworkSupported(mode: string | null): void {
  if (mode === null || mode === "none" || mode === "bridge") return;
  throw new MvmError(
    "E_NETWORK_MODE_UNSUPPORTED",
    `network mode "${mode}" is not supported by this runtime`,
    {
      hint:
        mode === "host"
          ? 'mode "host" would bypass the egress allowlist and is refused; use "bridge" with declared egress'
          : 'use network mode "none" or "bridge"',
      path: ".apps[0].network.mode",
    },
  );
}

/**
 * The guest side of bridge mode. These addresses are also compiled into the agent's init
 * (agent/src/init.c) and baked into bridge images' proxy env (image/guest/runtime-json.ts).
 */
export const GUEST_NET = {
  subnet: "10.0.2.0/24",
  host: "10.0.2.2",
  guest: "10.0.2.15",
  proxy: "10.0.2.100",
  proxyPort: 3128,
} as const;

/** g_shell_parse_argv (what libslirp splits a guestfwd cmd with) takes POSIX single quotes. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * Mode none: no NIC at all. Mode bridge: one virtio-net on user-mode networking with restrict=on
 * (slirp drops every guest packet except to guestfwd targets; DHCP answers are harmless) and one
 * guestfwd: the proxy address runs the connector per connection. A chardev guestfwd would carry a
 * single byte stream, so concurrent guest connections would corrupt each other; cmd does not.
 */
export function networkArgs(
  spec: Pick<QemuLaunchSpec, "networkMode" | "egressConnect" | "hostForwards">,
): string[] {
  // -nodefaults already drops the default NIC; "-nic none" says so.
  if (spec.networkMode === null || spec.networkMode === "none") return ["-nic", "none"];
  assertNetworkSupported(spec.networkMode);
  if (!spec.egressConnect?.length) throw new Error("bridge mode needs the egress connector command");
  const cmd = spec.egressConnect.map(shellQuote).join(" ");
  const fwd = `tcp:${GUEST_NET.proxy}:${GUEST_NET.proxyPort}-cmd:${cmd}`;
  const inbound = (spec.hostForwards ?? []).map(
    (h) => `,hostfwd=tcp:127.0.0.1:${h.hostPort}-${GUEST_NET.guest}:${h.guestPort}`,
  );
  return [
    "-netdev",
    `user,id=net0,restrict=on,ipv6=off,net=${GUEST_NET.subnet},host=${GUEST_NET.host},guestfwd=${optValue(fwd)}${inbound.join("")}`,
    "-device",
    "virtio-net-device,netdev=net0",
  ];
}

/**
 * Guest CPU models tried under KVM, best first. "host" passes every host feature through. Some
 * nested hypervisors refuse QEMU's write of MSR_IA32_ARCH_CAPABILITIES (0x10a) that "host" implies
 * and QEMU aborts at once; dropping that one feature is the known workaround there. Which model a
 * host can really boot Linux with is decided by the probe, never assumed (docs/adr/0009).
 */
export const KVM_CPU_MODELS = ["host", "host,-arch-capabilities"] as const;

/** Machine, accelerator and CPU model: shared by instances and the KVM probe, so the probe boots what `up` boots. */
export function machineArgs(spec: Pick<QemuLaunchSpec, "accel" | "cpuModel">): string[] {
  return [
    // microvm: no PCI, no firmware tables beyond ACPI; virtio-mmio devices are found through ACPI
    // (the cloud kernel lacks CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so virtio_mmio.device= is no option).
    "-machine",
    "microvm",
    "-accel",
    spec.accel,
    ...(spec.accel === "kvm" ? ["-cpu", spec.cpuModel ?? KVM_CPU_MODELS[0]] : []),
  ];
}

/** No default devices, no display, no user config, a guest reboot ends QEMU. */
export const BARE_ARGS = ["-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"];

export interface ProbeLaunchSpec {
  kernel: string;
  initrd: string;
  cpuModel: string;
  consoleLog: string;
  /** The isa-debug-exit port the probe init writes to. */
  exitPort: number;
}

/**
 * The KVM probe's command line: the instance's machine, accelerator, CPU model and kernel command
 * line, one vCPU, no disks or channels, plus an isa-debug-exit device the probe init writes to.
 */
export function probeArgs(spec: ProbeLaunchSpec): string[] {
  return [
    ...machineArgs({ accel: "kvm", cpuModel: spec.cpuModel }),
    "-smp",
    "1",
    "-m",
    "128M",
    ...BARE_ARGS,
    "-nic",
    "none",
    "-kernel",
    spec.kernel,
    "-initrd",
    spec.initrd,
    "-append",
    kernelCmdline({ accel: "kvm" }),
    "-chardev",
    `file,id=console,path=${optValue(spec.consoleLog)}`,
    "-serial",
    "chardev:console",
    "-device",
    `isa-debug-exit,iobase=0x${spec.exitPort.toString(16)},iosize=1`,
  ];
}

/** The fetch ports: one chardev + virtserialport per concurrent guest request (on the agent's bus). */
export function fetchPortArgs(spec: Pick<QemuLaunchSpec, "fetchSocket" | "fetchPorts">): string[] {
  if (!spec.fetchSocket) return [];
  const out: string[] = [];
  for (let i = 0; i < (spec.fetchPorts ?? 1); i++) {
    out.push(
      "-chardev",
      `socket,id=fetch${i},path=${optValue(spec.fetchSocket)},server=off,reconnect=1`,
      "-device",
      `virtserialport,chardev=fetch${i},name=mvm.fetch.${i}`,
    );
  }
  return out;
}

export function qemuArgs(spec: QemuLaunchSpec): string[] {
  assertNetworkSupported(spec.networkMode);
  if (!Number.isInteger(spec.cpus) || spec.cpus < 1)
    throw new Error(`cpus must be a positive integer: ${spec.cpus}`);
  if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB < 64)
    throw new Error(`memory must be >= 64 MiB: ${spec.memoryMiB}`);
  return [
    ...machineArgs(spec),
    "-smp",
    String(spec.cpus),
    "-m",
    `${spec.memoryMiB}M`,
    // Nothing implicit: no default NIC, no VGA, no monitor on stdio, no user config files.
    ...BARE_ARGS,
    ...networkArgs(spec),
    "-kernel",
    spec.kernel,
    "-initrd",
    spec.initrd,
    "-append",
    kernelCmdline(spec),
    // Root filesystem: read-only at the block layer too; the guest writes to a tmpfs overlay.
    "-drive",
    `id=rootfs,file=${optValue(spec.rootfs)},format=raw,if=none,readonly=on`,
    "-device",
    "virtio-blk-device,drive=rootfs",
    // Agent channel: virtio-serial port "mvm.agent" on a unix socket that QEMU listens on.
    "-device",
    "virtio-serial-device",
    "-chardev",
    `socket,id=agent,path=${optValue(spec.agentSocket)},server=on,wait=off`,
    "-device",
    "virtserialport,chardev=agent,name=mvm.agent",
    ...fetchPortArgs(spec),
    // Serial console to a file (the guest's kernel messages and the agent's log).
    "-chardev",
    `file,id=console,path=${optValue(spec.consoleLog)}`,
    "-serial",
    "chardev:console",
    // QMP for a clean quit when the agent cannot be reached.
    "-qmp",
    `unix:${optValue(spec.qmpSocket)},server=on,wait=off`,
  ];
}
