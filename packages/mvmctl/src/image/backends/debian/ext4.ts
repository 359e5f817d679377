// The read-only ext4 image, made from a directory with `mkfs.ext4 -d` (no loop mount, no root
// needed for this step). Determinism: a fixed UUID and directory hash seed (derived from the
// inputs hash by the caller), no journal (the guest mounts it read-only), E2FSPROGS_FAKE_TIME for
// every time mkfs writes, and every file's mtime set to SOURCE_DATE_EPOCH beforehand. mkfs copies
// atime and ctime from the host files too, and ctime cannot be set on the host, so a debugfs pass
// afterwards sets both on every inode (again under E2FSPROGS_FAKE_TIME, so the superblock's write
// time stays fixed).
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runOk } from "../../host-tools.js";

/** A UUID-shaped string taken from a hex digest (version/variant bits set, so tools accept it). */
export function uuidFromHex(hex: string): string {
  const h = hex.slice(0, 32).split("");
  h[12] = "4";
  h[16] = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export interface Ext4Options {
  dir: string;
  out: string;
  sizeMiB: number;
  uuid: string;
  hashSeed: string;
  epoch: number;
  label?: string;
  /** Set every inode's atime/ctime to the epoch (default); off for the builder's scratch disk. */
  fixTimes?: boolean;
}

export async function mkfsExt4(o: Ext4Options): Promise<void> {
  await runOk(
    "mkfs.ext4",
    [
      "-q",
      "-F",
      "-t",
      "ext4",
      "-O",
      "^has_journal",
      "-b",
      "4096",
      "-m",
      "0",
      "-L",
      o.label ?? "mvm-rootfs",
      "-U",
      o.uuid,
      "-E",
      `hash_seed=${o.hashSeed},root_owner=0:0`,
      "-d",
      o.dir,
      o.out,
      `${o.sizeMiB}M`,
    ],
    { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(o.epoch) }, what: "mkfs.ext4" },
  );
  if (o.fixTimes !== false) await fixInodeTimes(o);
}

async function listPaths(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    out.push(r);
    if (e.isDirectory()) out.push(...(await listPaths(root, r)));
  }
  return out;
}

async function fixInodeTimes(o: Ext4Options): Promise<void> {
  // debugfs quotes with double quotes and has no escape, so a name holding `"` or a newline
  // cannot be addressed; such files keep the build's atime/ctime (documented in docs/build.md).
  const paths = ["/", "/lost+found", ...(await listPaths(o.dir))].filter((p) => !/["\n]/.test(p));
  const cmds = paths.flatMap((p) => [`sif "${p}" ctime @${o.epoch}`, `sif "${p}" atime @${o.epoch}`]);
  const file = `${o.out}.debugfs`;
  await writeFile(file, `${cmds.join("\n")}\n`);
  try {
    await runOk("debugfs", ["-w", "-f", file, o.out], {
      env: { ...process.env, E2FSPROGS_FAKE_TIME: String(o.epoch) },
      what: "debugfs (fixing inode times)",
    });
  } finally {
    await rm(file, { force: true });
  }
}
