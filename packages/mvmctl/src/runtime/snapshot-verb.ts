// `mvmctl snapshot NAME`: save a running instance's guest as an explicit snapshot of its image.
// The instance pauses for the save and then continues. What the guest holds at that moment is in
// the snapshot (files it wrote, memory of earlier calls); a restore still gets fresh entropy, the
// host's clock, no warm runners and its own secret tokens (agent `restore`, up-snapshot.ts).
import { MvmError } from "@mvm/ir/errors";
import type { SnapshotManifest } from "../contracts/snapshot-manifest.js";
import type { Reporter } from "../lib/progress.js";
import { openInstance } from "./agent/open-instance.js";
import { instanceDir } from "./paths.js";
import { machineOfInstance, newSnapshotId, saveSnapshot } from "./snapshot.js";

export async function snapshotInstance(home: string, name: string, r: Reporter): Promise<SnapshotManifest> {
  const t0 = performance.now();
  r.stageStart("snapshot");
  const { state, agent } = await openInstance(home, name);
  try {
    const hello = await agent.hello();
    if (!hello.capabilities.includes("restore"))
      throw new MvmError(
        "E_SNAPSHOT_UNSUPPORTED",
        `instance "${name}" runs an agent without the restore op (agent ${hello.agent_version}); its snapshots could not be made unique`,
      );
  } finally {
    agent.close();
  }
  const machine = await machineOfInstance(state, instanceDir(home, name));
  const id = newSnapshotId();
  r.step(`saving ${name} as snapshot ${id}`);
  const m = await saveSnapshot({
    imageDir: state.image_dir,
    qmpSocket: state.qmp_socket,
    id,
    kind: "explicit",
    digest: state.digest,
    source: name,
    machine,
  });
  r.stageEnd("snapshot", performance.now() - t0);
  return m;
}
