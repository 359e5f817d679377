// `up`'s side of snapshots (docs/cli/snapshot.md): before QEMU starts, decide from the exact
// command line whether a saved guest fits and add `-incoming`; after a restore, renew what must
// be unique per instance (agent `restore`: RNG entropy, clock, warm runners); after a cold boot
// reached ready, save the image's ready snapshot for this machine if there is none yet. The
// ready snapshot is taken before any call, so no secret token or warm runner is in it.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { InstanceState } from "../contracts/instance-state.js";
import type { Reporter } from "../lib/progress.js";
import type { AgentHello, AgentSession } from "./agent/session.js";
import { sleep } from "./proc.js";
import {
  chooseSnapshot,
  type FoundSnapshot,
  incomingArgs,
  type Machine,
  machineOf,
  qemuVersion,
  readySnapshotId,
  saveSnapshot,
} from "./snapshot.js";
import type { StartedVm } from "./vmm/driver.js";
import type { QemuDriver } from "./vmm/qemu.js";
import { type QemuLaunchSpec, qemuArgs } from "./vmm/qemu-args.js";
import { qmpCommand } from "./vmm/qmp.js";

/** Bytes of host entropy handed to a restored guest's kernel RNG. */
export const RESTORE_ENTROPY_BYTES = 64;

export class UpSnapshots {
  machine?: Machine;
  restoring?: FoundSnapshot;
  private saved?: string;
  private noted = false;

  constructor(
    private readonly o: {
      home: string;
      qemu: string;
      imageDir: string;
      digest: string;
      instanceDir: string;
      networkMode: string;
      cold?: boolean;
      explicit?: string;
      reporter: Reporter;
    },
  ) {}

  /** Starts QEMU for spec: restoring the fitting snapshot, else booting. */
  async start(driver: QemuDriver, spec: QemuLaunchSpec, vmmLog: string): Promise<StartedVm> {
    this.machine = machineOf({
      qemuVersion: await qemuVersion(this.o.qemu, join(this.o.home, "cache")),
      argv: qemuArgs(spec),
      instanceDir: this.o.instanceDir,
      accel: spec.accel,
      cpus: spec.cpus,
      memoryMiB: spec.memoryMiB,
      networkMode: this.o.networkMode,
    });
    const choice = await chooseSnapshot({
      home: this.o.home,
      imageDir: this.o.imageDir,
      digest: this.o.digest,
      machine: this.machine,
      explicit: this.o.explicit,
      cold: this.o.cold,
    });
    if (choice.note && !this.noted) {
      this.o.reporter.warn(choice.note);
      this.noted = true;
    }
    this.restoring = choice.snapshot;
    if (this.restoring) this.o.reporter.step(`restoring snapshot ${this.restoring.manifest.id}`);
    return driver.start(spec, vmmLog, this.restoring ? incomingArgs(this.restoring) : []);
  }

  /** What state.json records. */
  record(): InstanceState["snapshot"] {
    if (!this.machine) return undefined;
    const id = this.restoring?.manifest.id ?? this.saved;
    return { key: this.machine.key, restored: !!this.restoring, ...(id ? { id } : {}) };
  }

  /**
   * The saved guest was paused (`stop` before `migrate`), and QEMU restores the runstate it was
   * saved in: once the state is loaded, continue it. Until then the agent cannot answer.
   */
  async resume(qmpSocket: string, alive: () => boolean, deadline: number): Promise<void> {
    const id = this.restoring?.manifest.id ?? "?";
    for (;;) {
      if (!alive())
        throw new MvmError("E_SNAPSHOT_RESTORE_FAILED", `QEMU exited while loading snapshot ${id}`, {
          hint: "its vmm.log says why; boot cold with `mvmctl up --cold`",
        });
      const q = (await qmpCommand(qmpSocket, "query-status").catch(() => undefined)) as
        | { status?: string }
        | undefined;
      if (q?.status === "running") return;
      if (q?.status && q.status !== "inmigrate") {
        await qmpCommand(qmpSocket, "cont");
        return;
      }
      if (Date.now() > deadline)
        throw new MvmError("E_SNAPSHOT_RESTORE_FAILED", `snapshot ${id} did not load in time`);
      await sleep(10);
    }
  }

  /** Right after hello on a restored guest: fresh entropy, the host's clock, no warm runners. */
  async reseed(agent: AgentSession, hello: AgentHello): Promise<void> {
    const id = this.restoring?.manifest.id ?? "?";
    if (!hello.capabilities.includes("restore"))
      throw new MvmError(
        "E_SNAPSHOT_RESTORE_FAILED",
        `the agent restored from snapshot ${id} has no restore op`,
      );
    const r = await agent.restore(randomBytes(RESTORE_ENTROPY_BYTES), Date.now());
    if (r.entropy !== "credited" && r.entropy !== "mixed")
      throw new MvmError(
        "E_SNAPSHOT_RESTORE_FAILED",
        `the guest did not take new entropy after snapshot ${id}`,
      );
  }

  /**
   * After a cold boot is ready: save this machine's ready snapshot unless one exists (or the
   * user asked for a cold boot, or the image's agent could not be restored). Failure to save is
   * a warning: the instance itself is fine.
   */
  async saveReady(state: InstanceState, hello: AgentHello): Promise<void> {
    if (this.restoring || this.o.cold || !this.machine) return;
    if (!hello.capabilities.includes("restore")) return;
    const id = readySnapshotId(this.machine.key);
    const exists = await chooseSnapshot({
      home: this.o.home,
      imageDir: this.o.imageDir,
      digest: this.o.digest,
      machine: this.machine,
    }).catch(() => ({ snapshot: undefined }));
    if (exists.snapshot) return;
    this.o.reporter.step(`saving snapshot ${id}`);
    try {
      const m = await saveSnapshot({
        imageDir: this.o.imageDir,
        qmpSocket: state.qmp_socket,
        id,
        kind: "ready",
        digest: this.o.digest,
        source: state.name,
        machine: this.machine,
      });
      this.saved = m.id;
      this.o.reporter.step(
        `saved snapshot ${m.id} (${Math.round(m.state_bytes / 2 ** 20)} MiB in ${m.save_ms} ms)`,
      );
    } catch (e) {
      this.o.reporter.warn(`could not save a snapshot of ${state.name}: ${(e as Error).message}`);
    }
  }
}
