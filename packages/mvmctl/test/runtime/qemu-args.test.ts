import assert from "node:assert/strict";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import {
  KVM_CPU_MODELS,
  kernelCmdline,
  probeArgs,
  type QemuLaunchSpec,
  qemuArgs,
} from "../../src/runtime/vmm/qemu-args.js";

const base: QemuLaunchSpec = {
  kernel: "/img/vmlinuz",
  initrd: "/img/initramfs.img",
  rootfs: "/img/rootfs.ext4",
  cpus: 2,
  memoryMiB: 512,
  accel: "tcg",
  networkMode: "none",
  consoleLog: "/inst/console.log",
  agentSocket: "/inst/agent.sock",
  qmpSocket: "/inst/qmp.sock",
  tscKhz: 2096005,
};

function flagValues(argv: string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && argv[i + 1] !== undefined) out.push(argv[i + 1] as string);
  });
  return out;
}

test("microvm with direct kernel boot, resources from the spec", () => {
  const argv = qemuArgs(base);
  assert.deepEqual(flagValues(argv, "-machine"), ["microvm"]);
  assert.deepEqual(flagValues(argv, "-accel"), ["tcg"]);
  assert.deepEqual(flagValues(argv, "-smp"), ["2"]);
  assert.deepEqual(flagValues(argv, "-m"), ["512M"]);
  assert.deepEqual(flagValues(argv, "-kernel"), ["/img/vmlinuz"]);
  assert.deepEqual(flagValues(argv, "-initrd"), ["/img/initramfs.img"]);
  assert.ok(argv.includes("-nodefaults") && argv.includes("-no-reboot"));
  assert.ok(!argv.includes("-cpu"), "TCG uses the default CPU model");
});

test("rootfs is read-only virtio-blk; agent port is named mvm.agent on a server socket", () => {
  const argv = qemuArgs(base);
  assert.deepEqual(flagValues(argv, "-drive"), [
    "id=rootfs,file=/img/rootfs.ext4,format=raw,if=none,readonly=on",
  ]);
  const devices = flagValues(argv, "-device");
  assert.ok(devices.includes("virtio-blk-device,drive=rootfs"));
  assert.ok(devices.includes("virtio-serial-device"));
  assert.ok(devices.includes("virtserialport,chardev=agent,name=mvm.agent"));
  const chardevs = flagValues(argv, "-chardev");
  assert.ok(chardevs.includes("socket,id=agent,path=/inst/agent.sock,server=on,wait=off"));
  assert.ok(chardevs.includes("file,id=console,path=/inst/console.log"));
  assert.deepEqual(flagValues(argv, "-serial"), ["chardev:console"]);
  assert.deepEqual(flagValues(argv, "-qmp"), ["unix:/inst/qmp.sock,server=on,wait=off"]);
});

test("no NIC at all for network mode none (and for no network block)", () => {
  for (const mode of ["none", null]) {
    const argv = qemuArgs({ ...base, networkMode: mode });
    assert.deepEqual(flagValues(argv, "-nic"), ["none"]);
    assert.ok(!argv.some((a) => /virtio-net|netdev/.test(a)));
  }
});

test("mode none argv is exactly what it was before bridge mode existed", () => {
  const argv = qemuArgs(base);
  const i = argv.indexOf("-no-reboot");
  assert.deepEqual(argv.slice(i, i + 4), ["-no-reboot", "-nic", "none", "-kernel"]);
  assert.equal(argv.length, 37);
});

test("bridge: one virtio-net on restricted user networking, a guestfwd to the egress connector", () => {
  const argv = qemuArgs({
    ...base,
    networkMode: "bridge",
    egressConnect: ["/usr/bin/node", "/pkg/libexec/egress-connect.mjs", "/inst,x/it's/egress.sock"],
  });
  assert.deepEqual(flagValues(argv, "-nic"), []);
  assert.ok(flagValues(argv, "-device").includes("virtio-net-device,netdev=net0"));
  const netdevs = flagValues(argv, "-netdev");
  assert.equal(netdevs.length, 1);
  const nd = netdevs[0] ?? "";
  assert.ok(nd.startsWith("user,id=net0,restrict=on,ipv6=off,net=10.0.2.0/24,host=10.0.2.2,"), nd);
  // The command is split by g_shell_parse_argv: single-quoted words, a quote as '\'', commas doubled.
  assert.ok(
    nd.endsWith(
      "guestfwd=tcp:10.0.2.100:3128-cmd:'/usr/bin/node' '/pkg/libexec/egress-connect.mjs' '/inst,,x/it'\\''s/egress.sock'",
    ),
    nd,
  );
});

test("bridge without a connector is a programming error, not a NIC that reaches nothing", () => {
  assert.throws(() => qemuArgs({ ...base, networkMode: "bridge" }), /egress connector/);
});

test("mode host (and anything unknown) is refused loudly", () => {
  for (const mode of ["host", "macvtap"]) {
    assert.throws(
      () => qemuArgs({ ...base, networkMode: mode, egressConnect: ["x"] }),
      (e: unknown) => isMvmError(e) && e.code === "E_NETWORK_MODE_UNSUPPORTED" && e.message.includes(mode),
    );
  }
});

test("KVM passes the host CPU; TCG passes the TSC rate on the kernel command line", () => {
  const kvm = qemuArgs({ ...base, accel: "kvm" });
  assert.deepEqual(flagValues(kvm, "-cpu"), ["host"]);
  assert.ok(!kernelCmdline({ accel: "kvm", tscKhz: 2096005 }).includes("tsc_early_khz"));
  const cmdline = flagValues(qemuArgs(base), "-append")[0] ?? "";
  assert.match(cmdline, /\bconsole=ttyS0\b/);
  assert.match(cmdline, /\brdinit=\/init\b/);
  assert.match(cmdline, /\bpanic=-1\b/);
  assert.match(cmdline, /\btsc_early_khz=2096005\b/);
});

test("commas in paths are escaped for QEMU option syntax", () => {
  const argv = qemuArgs({ ...base, rootfs: "/a,b/rootfs.ext4", agentSocket: "/x,y/agent.sock" });
  assert.ok(flagValues(argv, "-drive")[0]?.includes("file=/a,,b/rootfs.ext4,"));
  assert.ok(flagValues(argv, "-chardev").some((c) => c.includes("path=/x,,y/agent.sock,")));
});

test("resources are checked", () => {
  assert.throws(() => qemuArgs({ ...base, cpus: 0 }));
  assert.throws(() => qemuArgs({ ...base, memoryMiB: 16 }));
});

test("the KVM probe boots with the instance's machine, accelerator, CPU model and kernel command line", () => {
  for (const cpuModel of KVM_CPU_MODELS) {
    const inst = qemuArgs({ ...base, accel: "kvm", cpuModel });
    const probe = probeArgs({
      kernel: base.kernel,
      initrd: "/c/p.img",
      cpuModel,
      consoleLog: "/c/con",
      exitPort: 0xf4,
    });
    for (const flag of ["-machine", "-accel", "-cpu", "-append", "-kernel"])
      assert.deepEqual(flagValues(probe, flag), flagValues(inst, flag), flag);
    assert.deepEqual(flagValues(probe, "-cpu"), [cpuModel]);
    assert.deepEqual(flagValues(probe, "-device"), ["isa-debug-exit,iobase=0xf4,iosize=1"]);
  }
});
