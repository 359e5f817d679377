// snapshot.json (docs/architecture.md, "Snapshots"): the record next to a saved guest state,
// `$MVM_HOME/images/<digest>/snapshots/<id>/{snapshot.json,state}`. Snapshots are data kept beside
// an image, never part of its digest. Written by `up` (the ready snapshot) and `mvmctl snapshot`,
// read by `up` to decide whether the saved state fits the machine it is about to start.
// Imports zod only (never "@mvm/ir"), like instance-state.ts.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { z } from "zod";
import { writeFileAtomic } from "../lib/atomic-write.js";
import { describeIssues, field, mustMatch, readJson } from "./validate.js";

export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_FILE = "snapshot.json";
/** The QEMU migration stream. */
export const SNAPSHOT_STATE_FILE = "state";
/** Ids: the ready snapshot is named by its key; explicit ones are "s-" + 16 hex digits. */
export const SNAPSHOT_ID_RE = /^[0-9a-z][0-9a-z-]{0,71}$/;

export const SnapshotManifest = z.strictObject({
  snapshot_version: z.literal(SNAPSHOT_VERSION),
  id: z.string().regex(SNAPSHOT_ID_RE),
  /** sha256 over the QEMU version and the full QEMU argv with per-instance paths replaced. */
  key: z.string().regex(/^[0-9a-f]{64}$/),
  /** "ready": saved by `up` right after the first boot became ready; "explicit": `mvmctl snapshot`. */
  kind: z.enum(["ready", "explicit"]),
  digest: z.string(),
  created_at: z.string(),
  /** The instance it was taken from. */
  source: z.string(),
  qemu_version: z.string(),
  accel: z.enum(["kvm", "tcg"]),
  cpu_model: z.string().nullable(),
  cpus: z.number().int().positive(),
  memory_mb: z.number().int().positive(),
  network_mode: z.string(),
  /** The QEMU argv the key was computed from ($INSTANCE stands for the instance dir). */
  argv: z.array(z.string()),
  state_bytes: z.number().int().min(0),
  save_ms: z.number().min(0),
});
export type SnapshotManifest = z.output<typeof SnapshotManifest>;

export function snapshotsDir(imageDir: string): string {
  return join(imageDir, "snapshots");
}

/** The manifest in snapshot dir `dir`, undefined when there is none; unreadable: E_SNAPSHOT_RESTORE_FAILED. */
export async function readSnapshotManifest(dir: string): Promise<SnapshotManifest | undefined> {
  const file = join(dir, SNAPSHOT_FILE);
  if (!existsSync(file)) return undefined;
  const bad = (why: string) =>
    new MvmError("E_SNAPSHOT_RESTORE_FAILED", `the snapshot in ${dir} is unreadable: ${why}`, {
      hint: `remove ${dir} (it is only a cache of a booted guest)`,
    });
  const read = await readJson(file);
  if (!read.ok) throw bad(read.reason);
  const version = field(read.value, "snapshot_version");
  if (version !== SNAPSHOT_VERSION)
    throw bad(`snapshot_version ${JSON.stringify(version)} (this mvmctl reads ${SNAPSHOT_VERSION})`);
  const parsed = SnapshotManifest.safeParse(read.value);
  if (!parsed.success) throw bad(describeIssues(parsed.error));
  return parsed.data;
}

export async function writeSnapshotManifest(dir: string, m: SnapshotManifest): Promise<void> {
  mustMatch(SnapshotManifest, m, SNAPSHOT_FILE);
  await writeFileAtomic(join(dir, SNAPSHOT_FILE), `${JSON.stringify(m, null, 2)}\n`);
}
