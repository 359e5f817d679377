// Module planning: dependency order and the device conditions written to /etc/mvm/modules.
// Synthetic modules (bare .modinfo strings) cover the rules; the pinned kernel's real modules
// (from the shared test cache, when an e2e test or a build has extracted it) cover the aliases.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { initramfsEntries } from "../../src/image/guest/initramfs.js";
import {
  deviceCondition,
  modinfoSection,
  moduleAliases,
  moduleBytes,
  moduleDepends,
  planModules,
} from "../../src/image/guest/kernel-modules.js";
import { GUEST_MODULES, KERNEL_PIN } from "../../src/image/guest/kernel-pin.js";
import { sharedCacheDir } from "./fixtures.js";

/** A fake lib/modules/<release>: name -> { depends, aliases }. */
function fakeTree(
  mods: Record<string, { depends?: string[]; aliases?: string[] }>,
  builtin: string[] = [],
): string {
  const dir = mkdtempSync(join(tmpdir(), "mvm-kmod-"));
  mkdirSync(join(dir, "kernel/drivers"), { recursive: true });
  for (const [name, m] of Object.entries(mods)) {
    const info = [...(m.aliases ?? []).map((a) => `alias=${a}`), `depends=${(m.depends ?? []).join(",")}`];
    writeFileSync(
      join(dir, "kernel/drivers", `${name}.ko`),
      `\x7fELF-not-really\0${info.join("\0")}\0vermagic=x\0`,
    );
  }
  writeFileSync(join(dir, "modules.builtin"), builtin.map((b) => `kernel/fs/${b}.ko\n`).join(""));
  return dir;
}

const plan = async (dir: string, wanted: string[]) =>
  Object.fromEntries((await planModules(dir, wanted)).modules.map((m) => [m.name, m.when]));

test("deviceCondition: only aliases of enumerated buses make a module conditional", () => {
  assert.deepEqual(deviceCondition(["virtio:d00000001v*"]), ["virtio:d00000001v*"]);
  assert.deepEqual(deviceCondition(["pci:v00001AF4d*sv*sd*bc*sc*i*"]), ["pci:v00001AF4d*sv*sd*bc*sc*i*"]);
  assert.deepEqual(deviceCondition([]), []); // no alias: always
  assert.deepEqual(deviceCondition(["fs-overlay"]), []);
  assert.deepEqual(deviceCondition(["acpi*:LNRO0005:*", "of:N*T*Cvirtio,mmio"]), []);
  // One alias the guest cannot see a device for (here a platform device) makes it always.
  assert.deepEqual(deviceCondition(["virtio:d00000001v*", "platform:foo"]), []);
  // A pattern holding the list's separators cannot be written: always.
  assert.deepEqual(deviceCondition(["virtio:d0000000,1v*"]), []);
});

test("conditions propagate to dependencies; always wins; always-loaded modules come first", async () => {
  const dir = fakeTree({
    core: {},
    ring: {},
    bus: { depends: ["core", "ring"], aliases: ["acpi*:LNRO0005:*"] },
    blk: { depends: ["core", "ring"], aliases: ["virtio:d00000002v*"] },
    failover: {},
    net_failover: { depends: ["failover"] },
    net: { depends: ["ring", "core", "net_failover"], aliases: ["virtio:d00000001v*"] },
    vsock: {},
    vsock_common: { depends: ["vsock"] },
    vsock_virtio: { depends: ["core", "vsock_common", "vsock"], aliases: ["virtio:d00000013v*"] },
    // shared by two conditional drivers: the union of their patterns
    shared: {},
    a: { depends: ["shared"], aliases: ["virtio:d00000004v*"] },
    b: { depends: ["shared"], aliases: ["virtio:d00000005v*"] },
    // a conditional driver that an always module depends on is always
    helper: { aliases: ["virtio:d00000009v*"] },
    fs: { depends: ["helper"], aliases: ["fs-fs"] },
  });
  const p = await planModules(dir, ["bus", "blk", "net", "vsock_virtio", "a", "b", "helper", "fs", "ext4"]);
  assert.deepEqual(p.missing, ["ext4"]);
  const when = Object.fromEntries(p.modules.map((m) => [m.name, m.when]));
  assert.deepEqual(when, {
    core: [],
    ring: [],
    bus: [],
    helper: [],
    fs: [],
    blk: ["virtio:d00000002v*"],
    failover: ["virtio:d00000001v*"],
    net_failover: ["virtio:d00000001v*"],
    net: ["virtio:d00000001v*"],
    vsock: ["virtio:d00000013v*"],
    vsock_common: ["virtio:d00000013v*"],
    vsock_virtio: ["virtio:d00000013v*"],
    shared: ["virtio:d00000004v*", "virtio:d00000005v*"],
    a: ["virtio:d00000004v*"],
    b: ["virtio:d00000005v*"],
  });
  const names = p.modules.map((m) => m.name);
  const firstConditional = p.modules.findIndex((m) => m.when.length > 0);
  assert.ok(
    p.modules.slice(firstConditional).every((m) => m.when.length > 0),
    names.join(" "),
  );
  // Dependency order holds across the reordering.
  const deps: Record<string, string[]> = {
    bus: ["core", "ring"],
    net: ["ring", "core", "net_failover"],
    net_failover: ["failover"],
    vsock_virtio: ["core", "vsock_common", "vsock"],
    vsock_common: ["vsock"],
    a: ["shared"],
    b: ["shared"],
    fs: ["helper"],
  };
  for (const [m, ds] of Object.entries(deps))
    for (const d of ds)
      assert.ok(names.indexOf(d) < names.indexOf(m), `${d} before ${m}: ${names.join(" ")}`);
});

test("a planned module's dependency on an always module stays always", async () => {
  const dir = fakeTree({
    virtio: {},
    mmio: { depends: ["virtio"] },
    blk: { depends: ["virtio"], aliases: ["virtio:d00000002v*"] },
  });
  assert.deepEqual(await plan(dir, ["blk", "mmio"]), { virtio: [], mmio: [], blk: ["virtio:d00000002v*"] });
  // Without the always module, the shared dependency becomes conditional too.
  assert.deepEqual(await plan(dir, ["blk"]), { virtio: ["virtio:d00000002v*"], blk: ["virtio:d00000002v*"] });
});

test("/etc/mvm/modules: path alone for always, path<TAB>patterns for conditional, same bytes each time", async () => {
  const dir = fakeTree({
    core: {},
    net: { depends: ["core"], aliases: ["virtio:d00000001v*"] },
    shared: {},
    a: { depends: ["shared"], aliases: ["virtio:d00000004v*"] },
    b: { depends: ["shared"], aliases: ["virtio:d00000005v*"] },
  });
  const agent = join(dir, "agent");
  writeFileSync(agent, "init");
  const p = await planModules(dir, ["core", "net", "a", "b"]);
  const entries = initramfsEntries(agent, "r", p.modules);
  const list = entries.find((e) => e.path === "etc/mvm/modules")?.data?.toString() ?? "";
  assert.equal(
    list
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n"),
    [
      "/lib/modules/r/kernel/drivers/core.ko",
      "/lib/modules/r/kernel/drivers/net.ko\tvirtio:d00000001v*",
      "/lib/modules/r/kernel/drivers/shared.ko\tvirtio:d00000004v*,virtio:d00000005v*",
      "/lib/modules/r/kernel/drivers/a.ko\tvirtio:d00000004v*",
      "/lib/modules/r/kernel/drivers/b.ko\tvirtio:d00000005v*",
      "",
    ].join("\n"),
  );
  const again = initramfsEntries(agent, "r", (await planModules(dir, ["core", "net", "a", "b"])).modules);
  assert.deepEqual(again, entries);
});

const pinned = join(
  sharedCacheDir(),
  "kernel",
  `tree-${KERNEL_PIN.sha256.slice(0, 16)}`,
  "lib/modules",
  KERNEL_PIN.release,
);

test("the pinned kernel: aliases from the modules' own .modinfo, conditions of GUEST_MODULES", {
  skip: existsSync(pinned) ? false : `no extracted pinned kernel at ${pinned} (an e2e test extracts it)`,
}, async () => {
  const p = await planModules(pinned, GUEST_MODULES);
  const byName = new Map(p.modules.map((m) => [m.name, m]));
  const net = byName.get("virtio_net");
  assert.ok(net);
  const bytes = moduleBytes(net.abs);
  // Read from the ELF .modinfo section, not a scan of the whole file.
  assert.ok(modinfoSection(bytes).length < bytes.length / 10);
  assert.deepEqual(moduleAliases(bytes), ["virtio:d00000001v*"]);
  assert.deepEqual(moduleDepends(bytes).sort(), ["net_failover", "virtio", "virtio_ring"]);
  const when = Object.fromEntries(p.modules.map((m) => [m.name, m.when.join(",")]));
  assert.deepEqual(when, {
    virtio: "",
    virtio_ring: "",
    virtio_mmio: "",
    overlay: "",
    virtio_pci_modern_dev: "pci:v00001AF4d*sv*sd*bc*sc*i*",
    virtio_pci_legacy_dev: "pci:v00001AF4d*sv*sd*bc*sc*i*",
    virtio_pci: "pci:v00001AF4d*sv*sd*bc*sc*i*",
    virtio_blk: "virtio:d00000002v*",
    virtio_console: "virtio:d00000003v*",
    failover: "virtio:d00000001v*",
    net_failover: "virtio:d00000001v*",
    virtio_net: "virtio:d00000001v*",
    virtio_rng: "virtio:d00000004v*",
    vsock: "virtio:d00000013v*",
    vmw_vsock_virtio_transport_common: "virtio:d00000013v*",
    vmw_vsock_virtio_transport: "virtio:d00000013v*",
  });
  assert.deepEqual(p.builtin, ["ext4"]);
  assert.deepEqual(p.missing, []);
  // The always-loaded list is what old images loaded minus device drivers.
  assert.deepEqual(
    p.modules.filter((m) => !m.when.length).map((m) => m.name),
    ["virtio", "virtio_ring", "virtio_mmio", "overlay"],
  );
});
