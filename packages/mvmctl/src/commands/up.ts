// `mvmctl up`: parse flags, call runtime boot(), print name, accel and boot time.
import { MvmError } from "@mvm/ir/errors";
import { Command, Option } from "commander";
import { createReporter, silentReporter } from "../cli/reporter.js";
import type { InstanceNetwork } from "../runtime/index.js";

interface UpFlags {
  name?: string;
  cpus?: string;
  memory?: string;
  vmm: string;
  accel: string;
  readyTimeout?: string;
  detach?: boolean;
  json?: boolean;
  quiet?: boolean;
  port: string[];
  cold?: boolean;
  snapshot?: string;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new MvmError("E_USAGE", `${flag} must be a positive integer, got "${v}"`, { exitCode: 2 });
  return n;
}

/** "512", "512M", "1G" -> MiB. */
function memoryMiB(v: string): number {
  const m = /^(\d+)\s*([mMgG])?i?[bB]?$/.exec(v.trim());
  if (!m?.[1])
    throw new MvmError("E_USAGE", `--memory must look like 512, 512M or 1G, got "${v}"`, { exitCode: 2 });
  return Number(m[1]) * (m[2] && /g/i.test(m[2]) ? 1024 : 1);
}

/** One line: what the guest can reach. */
export function networkSummary(name: string, n: InstanceNetwork | undefined): string {
  if (!n || n.mode === "none") return "network: none (no NIC)";
  const to = n.egress.map((g) => `${g.host}:${g.port}`).join(", ");
  const line = `network: bridge, egress only via the host proxy to ${to || "nothing (none declared)"}; decisions: \`mvmctl logs ${name} --egress\``;
  if (!n.ports?.length) return line;
  const fwd = n.ports.map((p) => `${p.host_addr}:${p.host} -> ${p.guest} (${p.mapping_id})`).join(", ");
  return `${line}\nports: ${fwd}; connections: \`mvmctl logs ${name} --inbound\``;
}

/** The forwards as `up --json` and the SDKs see them. */
export function portsJson(n: InstanceNetwork | undefined) {
  return (n?.ports ?? []).map((p) => ({
    mapping_id: p.mapping_id,
    host_addr: p.host_addr,
    host: p.host,
    guest: p.guest,
    proto: p.proto,
  }));
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function upCommand(): Command {
  return new Command("up")
    .description("Boot an image as a microVM and wait until the workload is ready")
    .argument("<image>", "a compiled directory, a workload id, or an image digest (prefix)")
    .option("-n, --name <name>", "instance name (default: the app name)")
    .option("--cpus <n>", "vCPUs (default: the IR's resources.cpu_cores)")
    .option("--memory <size>", "guest memory, e.g. 512M or 1G (default: the IR's resources.memory_mb)")
    .addOption(
      new Option("--vmm <vmm>", "virtual machine monitor").choices(["qemu", "firecracker"]).default("qemu"),
    )
    .addOption(
      new Option("--accel <accel>", "accelerator; auto = KVM when it can run a guest, else TCG")
        .choices(["auto", "kvm", "tcg"])
        .default("auto"),
    )
    .option("--ready-timeout <duration>", "how long to wait for the agent to report ready", "120s")
    .option(
      "-p, --port <mapping=port>",
      "host port for a declared port mapping, this instance only (repeatable; 0 = a free port; MAPPING=ADDR:PORT also sets the address)",
      collect,
      [],
    )
    .option("--cold", "boot from scratch: restore no snapshot and save none")
    .option(
      "--snapshot <id>",
      "restore this snapshot (`mvmctl snapshot`) or fail; default: the image's ready snapshot if it fits",
    )
    .option("-d, --detach", "return once ready (the default: the VM always runs in the background)")
    .option("--json", "print the instance as JSON on stdout")
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
The VM keeps running after up returns; stop it with \`mvmctl down <name>\`.
KVM is used when a test guest proves it works; otherwise TCG (software emulation) with a notice.

Examples:
  mvmctl up /tmp/hello --name hello
  mvmctl up hello-app                       # newest image built for workload id hello-app
  mvmctl up 3f9a1c2b4d5e --accel tcg --memory 512M
  mvmctl up /tmp/hello --json | jq .boot_ms
  mvmctl up hello-app --cold                # ignore snapshots: a full boot
  mvmctl up hello-app --snapshot s-3f9a1c2b4d5e6f70   # a snapshot taken with \`mvmctl snapshot\`
  mvmctl up /tmp/web --port web=8081        # declared mapping "web" on host port 8081
  mvmctl up /tmp/web --name web2 --port web=0 --json | jq '.ports[0].host'   # a free port

Port forwards (network mode bridge, ports=[...]) bind 127.0.0.1 unless declared otherwise; a host
port held by another instance or process fails before boot (E_PORT_IN_USE).

Snapshots: the first up of an image saves its ready guest next to the image; later ups of the same
image with the same machine (QEMU, accelerator, CPU model, memory, vCPUs, network, devices) resume
it in a fraction of a boot, with fresh entropy, clock and secret tokens (docs/cli/snapshot.md).`,
    )
    .action(async (ref: string, o: UpFlags) => {
      const { boot, parsePortOverrides } = await import("../runtime/index.js");
      const { mvmHome } = await import("../home.js");
      const { parseDurationMs } = await import("./duration.js");
      const ports = parsePortOverrides(o.port);
      // --json keeps stdout for the result but still says on stderr when KVM fell back to TCG:
      // SDK live mode and scripts run `up --json`, and a silent slowdown is the worst outcome.
      const reporter = o.quiet
        ? silentReporter
        : o.json
          ? { ...silentReporter, warn: (m: string) => process.stderr.write(`warning: ${m}\n`) }
          : createReporter();
      const res = await boot({
        home: mvmHome(),
        ref,
        name: o.name,
        cpus: o.cpus === undefined ? undefined : positiveInt(o.cpus, "--cpus"),
        memoryMiB: o.memory === undefined ? undefined : memoryMiB(o.memory),
        accel: o.accel as "auto" | "kvm" | "tcg",
        vmm: o.vmm,
        readyTimeoutMs: parseDurationMs(o.readyTimeout ?? "120s", "--ready-timeout"),
        ports,
        cold: o.cold,
        snapshot: o.snapshot,
        reporter,
      });
      const s = res.state;
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: true, name: s.name, workload_id: s.workload_id, digest: s.digest, accel: s.accel, cpus: s.cpus, memory_mb: s.memory_mb, boot_ms: res.bootMs, guest_boot_ms: res.guestBootMs, pid: s.pid, network: { mode: s.network?.mode ?? "none", egress: s.network?.egress ?? [] }, ports: portsJson(s.network), snapshot: s.snapshot ?? null })}\n`,
        );
      } else {
        process.stdout.write(
          `${s.name} is up (accel ${s.accel}, ${s.cpus} vCPU, ${s.memory_mb} MiB, ${s.snapshot?.restored ? `restored from snapshot ${s.snapshot.id}` : "booted"} in ${(res.bootMs / 1000).toFixed(2)}s)\n`,
        );
        process.stdout.write(`${networkSummary(s.name, s.network)}\n`);
      }
    });
}
