// Snapshots: `mvmctl snapshot`, `up` restoring a saved guest, `up --snapshot` (docs/cli/snapshot.md).
import type { CodeRow } from "./row.js";

export const snapshotCodes = {
  E_SNAPSHOT_NOT_FOUND: {
    summary: "No snapshot with that id exists for the image being started.",
    hint: "list an image's snapshots under $MVM_HOME/images/<digest>/snapshots/, or take one with `mvmctl snapshot <name>`",
    exit: 1,
  },
  E_SNAPSHOT_MISMATCH: {
    summary:
      "The snapshot was saved from a different machine: another image, QEMU version, accelerator or CPU model, memory size, vCPU count, network mode or device layout. QEMU can only restore onto an identical command line.",
    hint: "start it with the settings the snapshot was made with (the message names the differences), or boot cold with `mvmctl up --cold`",
    exit: 1,
  },
  E_SNAPSHOT_UNSUPPORTED: {
    summary:
      "The instance's guest agent cannot be restored from a snapshot (it has no `restore` op), or the instance is not running.",
    hint: "rebuild the image with this mvmctl (`mvmctl build --force <compiled dir>`), and snapshot a running instance",
    exit: 1,
  },
  E_SNAPSHOT_FAILED: {
    summary: "Saving the guest's state to a snapshot failed (QEMU's migration to a file did not complete).",
    hint: "check free disk space under $MVM_HOME and the instance's vmm.log; the instance keeps running",
    exit: 1,
  },
  E_SNAPSHOT_RESTORE_FAILED: {
    summary:
      "A guest could not be resumed from a snapshot: QEMU refused the saved state, or the agent did not reseed.",
    hint: "boot cold with `mvmctl up --cold`; remove the broken snapshot directory named in the message",
    exit: 1,
  },
} satisfies Record<string, CodeRow>;
