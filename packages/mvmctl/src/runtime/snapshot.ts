// Snapshots of a running guest (docs/cli/snapshot.md): QEMU migration to a file over QMP, saved
// next to the image as `images/<digest>/snapshots/<id>/{state,snapshot.json}`; `up` restores one
// with `-incoming` on the identical command line. A snapshot fits a machine only when the key
// matches: sha256 of the QEMU version and the whole generated argv with the instance's own paths
// replaced, so any device another part of mvm adds to the command line is part of the key.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { imagesDir } from "../contracts/image-manifest.js";
import type { InstanceState } from "../contracts/instance-state.js";
import {
  readSnapshotManifest,
  SNAPSHOT_ID_RE,
  SNAPSHOT_STATE_FILE,
  type SnapshotManifest,
  snapshotsDir,
  writeSnapshotManifest,
} from "../contracts/snapshot-manifest.js";
import { sleep } from "./proc.js";
import { qemuVersionOf } from "./vmm/qemu-version.js";
import { qmpCommand } from "./vmm/qmp.js";

/** What a snapshot must match: the machine an instance is (or is about to be) started as. */
export interface Machine {
  key: string;
  qemu_version: string;
  accel: "kvm" | "tcg";
  cpu_model: string | null;
  cpus: number;
  memory_mb: number;
  network_mode: string;
  /** The QEMU argv without the binary and -incoming, the instance dir written as $INSTANCE. */
  argv: string[];
}

/** First line of `qemu --version` (cached per binary file in `cacheDir`: qemu-version.ts). */
export async function qemuVersion(qemu: string, cacheDir?: string): Promise<string> {
  const v = await qemuVersionOf(qemu, cacheDir);
  return v.ok ? (v.text.split("\n")[0] ?? "").trim() : "unknown";
}

export function machineOf(o: {
  qemuVersion: string;
  argv: string[];
  instanceDir: string;
  accel: "kvm" | "tcg";
  cpus: number;
  memoryMiB: number;
  networkMode: string;
}): Machine {
  const argv: string[] = [];
  for (let i = 0; i < o.argv.length; i++) {
    const a = o.argv[i] as string;
    if (a === "-incoming") {
      i++;
      continue;
    }
    argv.push(a.split(o.instanceDir).join("$INSTANCE"));
  }
  const cpu = argv.indexOf("-cpu");
  const key = createHash("sha256")
    .update(JSON.stringify({ qemu: o.qemuVersion, argv }))
    .digest("hex");
  return {
    key,
    qemu_version: o.qemuVersion,
    accel: o.accel,
    cpu_model: cpu >= 0 ? (argv[cpu + 1] ?? null) : null,
    cpus: o.cpus,
    memory_mb: o.memoryMiB,
    network_mode: o.networkMode,
    argv,
  };
}

/** The machine of a running instance, from its QEMU process's real command line. */
export async function machineOfInstance(state: InstanceState, instanceDir: string): Promise<Machine> {
  const raw = await readFile(`/proc/${state.pid}/cmdline`, "utf8").catch(() => "");
  const [binary, ...argv] = raw.split("\0").filter((_, i, all) => i < all.length - 1);
  if (!binary) throw new MvmError("E_SNAPSHOT_UNSUPPORTED", `instance "${state.name}" has no running VM`);
  return machineOf({
    qemuVersion: await qemuVersion(binary),
    argv,
    instanceDir,
    accel: state.accel,
    cpus: state.cpus,
    memoryMiB: state.memory_mb,
    networkMode: state.network?.mode ?? "none",
  });
}

/** The ready snapshot of a machine is named after its key, so `up` finds it without a search. */
export const readySnapshotId = (key: string): string => `ready-${key.slice(0, 16)}`;

/** What differs between a snapshot and a machine, as short phrases; empty when it fits. */
export function differences(m: SnapshotManifest, digest: string, cur: Machine): string[] {
  const d: string[] = [];
  if (m.digest !== digest) d.push(`image ${m.digest.slice(0, 12)} (this is ${digest.slice(0, 12)})`);
  if (m.qemu_version !== cur.qemu_version) d.push(`QEMU "${m.qemu_version}" (now "${cur.qemu_version}")`);
  if (m.accel !== cur.accel) d.push(`accel ${m.accel} (now ${cur.accel})`);
  if (m.cpu_model !== cur.cpu_model)
    d.push(`CPU model ${m.cpu_model ?? "default"} (now ${cur.cpu_model ?? "default"})`);
  if (m.cpus !== cur.cpus) d.push(`${m.cpus} vCPU (now ${cur.cpus})`);
  if (m.memory_mb !== cur.memory_mb) d.push(`${m.memory_mb} MiB memory (now ${cur.memory_mb})`);
  if (m.network_mode !== cur.network_mode) d.push(`network ${m.network_mode} (now ${cur.network_mode})`);
  if (!d.length && m.key !== cur.key) {
    const i = m.argv.findIndex((a, j) => a !== cur.argv[j]);
    const at = i < 0 ? m.argv.length : i;
    d.push(
      `the QEMU command line (devices) differs from argument ${at}: "${m.argv[at] ?? "(end)"}" vs "${cur.argv[at] ?? "(end)"}"`,
    );
  }
  return d;
}

export interface FoundSnapshot {
  dir: string;
  state: string;
  manifest: SnapshotManifest;
}

async function loadSnapshot(dir: string): Promise<FoundSnapshot | undefined> {
  const manifest = await readSnapshotManifest(dir);
  const state = join(dir, SNAPSHOT_STATE_FILE);
  if (!manifest || !existsSync(state)) return undefined;
  return { dir, state, manifest };
}

export interface SnapshotChoice {
  snapshot?: FoundSnapshot;
  /** One line for the user when a snapshot exists but is not used. */
  note?: string;
}

/**
 * Which snapshot `up` restores. Explicit (`--snapshot ID`): that one or an error. Implicit: the
 * ready snapshot of this exact machine, else none, with a note when the image has ready snapshots
 * of other machines (a cold boot is then the whole consequence).
 */
export async function chooseSnapshot(o: {
  home: string;
  imageDir: string;
  digest: string;
  machine: Machine;
  explicit?: string;
  cold?: boolean;
}): Promise<SnapshotChoice> {
  if (o.explicit !== undefined) {
    const id = o.explicit;
    if (!SNAPSHOT_ID_RE.test(id))
      throw new MvmError("E_SNAPSHOT_NOT_FOUND", `"${id}" is not a snapshot id`, { exitCode: 2 });
    const found = await loadSnapshot(join(snapshotsDir(o.imageDir), id));
    if (!found) {
      for (const d of await readdir(imagesDir(o.home)).catch(() => [] as string[])) {
        const other = await readSnapshotManifest(join(imagesDir(o.home), d, "snapshots", id)).catch(
          () => undefined,
        );
        if (other)
          throw new MvmError(
            "E_SNAPSHOT_MISMATCH",
            `snapshot ${id} belongs to image ${other.digest.slice(0, 12)}, not to ${o.digest.slice(0, 12)}`,
            { hint: `start that image: \`mvmctl up ${other.digest.slice(0, 12)} --snapshot ${id}\`` },
          );
      }
      throw new MvmError("E_SNAPSHOT_NOT_FOUND", `image ${o.digest.slice(0, 12)} has no snapshot ${id}`);
    }
    const diff = differences(found.manifest, o.digest, o.machine);
    if (diff.length)
      throw new MvmError(
        "E_SNAPSHOT_MISMATCH",
        `snapshot ${id} does not fit this machine: it was saved with ${diff.join(", ")}`,
        {
          hint: `start with the snapshot's settings (${found.manifest.cpus} vCPU, ${found.manifest.memory_mb} MiB, accel ${found.manifest.accel}), or drop --snapshot to boot cold`,
        },
      );
    return { snapshot: found };
  }
  if (o.cold) return {};
  const mine = await loadSnapshot(join(snapshotsDir(o.imageDir), readySnapshotId(o.machine.key))).catch(
    (e: unknown) => e as Error,
  );
  if (mine instanceof Error) return { note: `${mine.message}; booting cold` };
  if (mine && mine.manifest.key === o.machine.key) return { snapshot: mine };
  for (const id of await readdir(snapshotsDir(o.imageDir)).catch(() => [] as string[])) {
    if (!id.startsWith("ready-")) continue;
    const other = await readSnapshotManifest(join(snapshotsDir(o.imageDir), id)).catch(() => undefined);
    if (!other) continue;
    return {
      note: `snapshot ${id} does not fit (saved with ${differences(other, o.digest, o.machine).join(", ")}); booting cold`,
    };
  }
  return {};
}

/** QEMU arguments that make a new QEMU load the saved state instead of booting. */
export function incomingArgs(s: FoundSnapshot): string[] {
  return ["-incoming", `exec:cat ${shellQuote(s.state)}`];
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Migration runs with the guest paused; without a cap it is as fast as the disk takes it. */
const MIGRATE_BANDWIDTH = 64 * 1024 ** 3;
const SAVE_TIMEOUT_MS = 120_000;

/**
 * Pauses the guest, migrates it into a file, and lets it continue (also when saving failed).
 * The snapshot appears atomically (temp dir + rename); a ready snapshot another `up` saved first
 * for the same key wins and this one is dropped.
 */
export async function saveSnapshot(o: {
  imageDir: string;
  qmpSocket: string;
  id: string;
  kind: "ready" | "explicit";
  digest: string;
  source: string;
  machine: Machine;
}): Promise<SnapshotManifest> {
  const root = snapshotsDir(o.imageDir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const tmp = join(root, `.tmp-${o.id}-${randomBytes(4).toString("hex")}`);
  await mkdir(tmp, { mode: 0o700 });
  const partial = join(tmp, "state.partial");
  const state = join(tmp, SNAPSHOT_STATE_FILE);
  const t0 = performance.now();
  try {
    await qmpCommand(o.qmpSocket, "stop");
    try {
      await qmpCommand(o.qmpSocket, "migrate-set-parameters", 2000, { "max-bandwidth": MIGRATE_BANDWIDTH });
      // QEMU reports "completed" when it closed the pipe; the rename says cat has written it all.
      await qmpCommand(o.qmpSocket, "migrate", 5000, {
        uri: `exec:umask 077 && cat > ${shellQuote(partial)} && mv ${shellQuote(partial)} ${shellQuote(state)}`,
      });
      const deadline = Date.now() + SAVE_TIMEOUT_MS;
      for (;;) {
        const q = (await qmpCommand(o.qmpSocket, "query-migrate")) as {
          status?: string;
          "error-desc"?: string;
        };
        if (q.status === "completed" && existsSync(state)) break;
        if (q.status === "failed" || q.status === "cancelled")
          throw new Error(`migration ${q.status}${q["error-desc"] ? `: ${q["error-desc"]}` : ""}`);
        if (Date.now() > deadline)
          throw new Error(`migration did not finish within ${SAVE_TIMEOUT_MS / 1000} s`);
        await sleep(q.status === "completed" ? 5 : 20);
      }
    } finally {
      await qmpCommand(o.qmpSocket, "cont").catch(() => undefined);
    }
    const manifest: SnapshotManifest = {
      snapshot_version: 1,
      id: o.id,
      key: o.machine.key,
      kind: o.kind,
      digest: o.digest,
      created_at: new Date().toISOString(),
      source: o.source,
      qemu_version: o.machine.qemu_version,
      accel: o.machine.accel,
      cpu_model: o.machine.cpu_model,
      cpus: o.machine.cpus,
      memory_mb: o.machine.memory_mb,
      network_mode: o.machine.network_mode,
      argv: o.machine.argv,
      state_bytes: (await stat(state)).size,
      save_ms: Math.round(performance.now() - t0),
    };
    await writeSnapshotManifest(tmp, manifest);
    const final = join(root, o.id);
    try {
      await rename(tmp, final);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (o.kind === "ready" && (code === "EEXIST" || code === "ENOTEMPTY")) {
        await rm(tmp, { recursive: true, force: true });
        return (await readSnapshotManifest(final)) ?? manifest;
      }
      throw e;
    }
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof MvmError) throw e;
    throw new MvmError("E_SNAPSHOT_FAILED", `saving snapshot ${o.id} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** A fresh id for an explicit snapshot. */
export const newSnapshotId = (): string => `s-${randomBytes(8).toString("hex")}`;
