// A deterministic newc cpio writer for the initramfs: entries sorted by path, mtime 0, uid/gid 0,
// inode numbers assigned in order, gzip without a name or timestamp. Same files -> same bytes.
import { gzipSync } from "node:zlib";

export interface CpioEntry {
  /** Path inside the archive, without a leading slash ("init", "lib/modules/x.ko"). */
  path: string;
  type: "file" | "dir";
  mode: number;
  data?: Uint8Array;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

function header(ino: number, mode: number, nlink: number, size: number, nameLen: number): string {
  // newc: magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
  // rdevminor, namesize, check.
  return `070701${[ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, nameLen, 0].map(hex8).join("")}`;
}

/** Adds the parent directories of every entry, so the kernel can create them in order. */
function withParents(entries: CpioEntry[]): CpioEntry[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    const parts = e.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!byPath.has(dir)) byPath.set(dir, { path: dir, type: "dir", mode: 0o755 });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function cpioNewc(entries: CpioEntry[]): Buffer {
  const chunks: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, nlink: number, data: Uint8Array) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const head = Buffer.from(header(ino++, mode, nlink, data.length, nameBuf.length));
    chunks.push(head, nameBuf, pad4(head.length + nameBuf.length), Buffer.from(data), pad4(data.length));
  };
  for (const e of withParents(entries)) {
    if (e.path.startsWith("/") || e.path.split("/").includes("..")) {
      throw new Error(`cpio entry path must be relative and inside the archive: ${e.path}`);
    }
    if (e.type === "dir") push(e.path, 0o040000 | (e.mode & 0o7777), 2, new Uint8Array());
    else push(e.path, 0o100000 | (e.mode & 0o7777), 1, e.data ?? new Uint8Array());
  }
  push("TRAILER!!!", 0, 1, new Uint8Array());
  return Buffer.concat(chunks);
}

/** gzip of the cpio; Node's gzip header has mtime 0 and no file name, so it is deterministic. */
export function initramfsBytes(entries: CpioEntry[]): Buffer {
  return gzipSync(cpioNewc(entries), { level: 9 });
}
