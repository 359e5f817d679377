// The builder microVM, as the image stage asks for it and the runtime provides it (docs/build.md,
// "Builder VM"). Build-time code (before_build hooks, npm lifecycle scripts) never runs on the
// host: the image stage stages a root, makes it a disk, and hands this spec to a BuilderVm; the
// CLI passes the runtime's implementation (runtime/builder-vm.ts), so neither stage imports the
// other. Each step is a script at /etc/mvm/hooks/<phase>.sh on the disk, run by the guest agent's
// `hooks.run` op; output streams back as lines, never as files. With declared build-time egress
// the builder's only route out is a per-build proxy the runtime starts and stops with the VM.
import type { Reporter } from "../lib/progress.js";

export interface BuilderStep {
  /** The hooks.run phase: /etc/mvm/hooks/<phase>.sh on the builder disk ([a-z_]+). */
  phase: string;
  /** What the user reads in progress lines and errors, e.g. "before_build hooks". */
  title: string;
}

export interface BuilderVmSpec {
  kernel: string;
  initrd: string;
  /** The staged root as a raw ext4: booted read-write as the builder's root (/dev/vda). */
  disk: string;
  /** An empty raw disk (/dev/vdb) the last step writes its tar stream to. */
  outDisk: string;
  cpus: number;
  memoryMiB: number;
  steps: BuilderStep[];
  /** Epoch ms: the whole builder (boot included) is killed at this time (E_BUILD_TIMEOUT). */
  deadline: number;
  /** The configured timeout, for the message. */
  timeoutMs: number;
  /** A short private directory for the agent socket and logs (unix socket paths are short). */
  runDir: string;
  /** $MVM_HOME/cache: the KVM probe's cache, shared with `up`. */
  probeCacheDir: string;
  /**
   * The workload's build-time egress grants (network.build_egress). Non-empty: the builder gets
   * the restricted NIC of a bridge instance, whose only route is a per-build egress proxy that
   * allows exactly these {host, port} pairs; the steps carry the proxy env. Absent or empty: no NIC.
   */
  egress?: { host: string; port: number }[];
  reporter: Reporter;
}

/** One decision of the builder's egress proxy, as the build reports it. */
export interface BuilderEgressDecision {
  decision: "allow" | "deny" | "error";
  method?: string;
  host?: string;
  port?: number;
  reason?: string;
}

export interface BuilderStepResult {
  phase: string;
  exitCode: number;
  /** The step's stdout and stderr, interleaved, the tail only (for errors). */
  output: string;
  ms: number;
}

export interface BuilderVmResult {
  /** Every step run, in order; the last one is the first that failed, if any failed. */
  steps: BuilderStepResult[];
  accel: "kvm" | "tcg";
  /** QEMU start to the agent's hello. */
  bootMs: number;
  /** The egress proxy's decisions, in order (empty without build-time egress). */
  egress: BuilderEgressDecision[];
}

export type BuilderVm = (spec: BuilderVmSpec) => Promise<BuilderVmResult>;
