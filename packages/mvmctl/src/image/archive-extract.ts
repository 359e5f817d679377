// Extracts a compiled .tgz into a fresh directory without ever writing or pointing outside it.
// The archive is hostile: every entry is checked against a model of what this extraction has
// created so far, and nothing on disk is ever reached through a link.
//   - names: relative, no `..`, no control characters; absolute names are refused;
//   - types: regular files, directories and symlinks only (hardlinks, devices, FIFOs refused);
//   - parents: every parent of an entry must be a directory this extraction made, never a symlink
//     or a file, so no write goes through a link the archive planted;
//   - duplicates: a second entry for an existing file or symlink is refused (a directory may repeat);
//   - symlinks: relative targets only, and the target, resolved through every link the archive
//     holds (checked once the whole archive is known, so the order of entries does not matter),
//     must stay inside the extraction root;
//   - caps: MAX_ARCHIVE_ENTRIES entries, MAX_ARCHIVE_ENTRY_BYTES per file, MAX_ARCHIVE_TOTAL_BYTES
//     in all (decompressed), so a gzip bomb stops early.
// Files are created with O_EXCL | O_NOFOLLOW, directories one level at a time.
//
// Rootfs mode (`rootfs: true`, the builder VM's result, docs/build.md "Builder VM"): the same
// parent, name, duplicate and cap rules, plus owners (uid/gid) and full modes kept, and symlink
// targets stored verbatim, absolute ones included: they are the guest's links, data the host
// never follows (nothing after extraction resolves a path through the tree: find/touch -h, du,
// mkfs.ext4 -d all lstat). Devices, FIFOs and hardlinks are skipped and listed, not made.
import { createReadStream, constants as fsc } from "node:fs";
import { chmod, lchown, mkdir, open, realpath, symlink } from "node:fs/promises";
import { join, posix } from "node:path";
import { PassThrough, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { MvmError } from "@mvm/ir/errors";
import tar from "tar-stream";

export const MAX_ARCHIVE_ENTRIES = 100_000;
export const MAX_ARCHIVE_ENTRY_BYTES = 512 * 1024 * 1024;
export const MAX_ARCHIVE_TOTAL_BYTES = 1024 * 1024 * 1024;
/** Decompressed bytes allowed beyond the entries' data: tar headers, padding, pax records. */
const STREAM_OVERHEAD_BYTES = 64 * 1024 * 1024;
const MAX_LINK_HOPS = 40;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const unsafe = (message: string) => new MvmError("E_BUILD_ARCHIVE_UNSAFE", message);

/** A relative, normalized path inside the archive root, or an error. */
export function safeEntryPath(name: string): string {
  const shown = JSON.stringify(name);
  if (CONTROL.test(name)) throw unsafe(`archive entry ${shown} has a control character in its name`);
  if (name.startsWith("/") || name.includes("\\") || /^[A-Za-z]:/.test(name))
    throw unsafe(`archive entry ${shown} points outside the archive root`);
  const parts = name.split("/");
  if (parts.includes("..")) throw unsafe(`archive entry ${shown} points outside the archive root`);
  const norm = posix.normalize(name.replace(/\/+$/, ""));
  return norm === "." ? "" : norm;
}

type Kind = "dir" | "file" | "symlink";

/** Follows `target` (relative to the link's directory) through the links in `tree`. */
function resolveInside(
  tree: Map<string, Kind>,
  links: Map<string, string>,
  linkPath: string,
  target: string,
): string | undefined {
  let hops = 0;
  const stack: string[] = [];
  const dir = posix.dirname(linkPath);
  let pending = [...(dir === "." ? [] : dir.split("/")), ...target.split("/")];
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(part);
    const here = stack.join("/");
    if (tree.get(here) === "symlink") {
      if (++hops > MAX_LINK_HOPS) return undefined;
      const to = links.get(here)!;
      if (to.startsWith("/")) return undefined;
      stack.pop();
      pending = [...to.split("/"), ...pending];
    }
  }
  return stack.join("/");
}

export interface ArchiveLimits {
  entries: number;
  entryBytes: number;
  totalBytes: number;
  /** Decompressed stream bytes: totalBytes plus headers, padding and pax records. */
  streamBytes: number;
}

export const ARCHIVE_LIMITS: ArchiveLimits = {
  entries: MAX_ARCHIVE_ENTRIES,
  entryBytes: MAX_ARCHIVE_ENTRY_BYTES,
  totalBytes: MAX_ARCHIVE_TOTAL_BYTES,
  streamBytes: MAX_ARCHIVE_TOTAL_BYTES + STREAM_OVERHEAD_BYTES,
};

export interface ExtractOptions {
  /** The input is a plain tar (not gzip). */
  plain?: boolean;
  /** Read only the first `bytes` bytes of the file (a tar written to a raw disk). */
  bytes?: number;
  /** Rootfs mode (see the file comment). */
  rootfs?: boolean;
}

export interface ExtractResult {
  /** Rootfs mode: entries not made (devices, FIFOs, hardlinks), as "name (type)". */
  skipped: string[];
}

export async function extractTgz(
  archive: string,
  dest: string,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const skipped: string[] = [];
  const tree = new Map<string, Kind>([["", "dir"]]);
  const links = new Map<string, string>();
  let entries = 0;
  let total = 0;

  /** Makes every missing parent of `rel`, refusing any parent that is not an extracted directory. */
  const parents = async (rel: string, shown: string) => {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      const kind = tree.get(p);
      if (kind === "dir") continue;
      if (kind) throw unsafe(`archive entry ${shown} goes through ${JSON.stringify(p)}, which is a ${kind}`);
      await mkdir(join(dest, p), { mode: 0o755 });
      tree.set(p, "dir");
    }
  };

  const onEntry = async (header: tar.Header, stream: AsyncIterable<unknown> & { resume(): unknown }) => {
    const shown = JSON.stringify(header.name);
    if (++entries > limits.entries) throw unsafe(`the archive has more than ${limits.entries} entries`);
    const rel = safeEntryPath(header.name);
    if (rel === "") {
      if (header.type !== "directory") throw unsafe(`archive entry ${shown} names the root`);
      stream.resume();
      return;
    }
    const existing = tree.get(rel);
    if (existing && !(existing === "dir" && header.type === "directory"))
      throw unsafe(`archive entry ${shown} repeats an earlier ${existing} entry`);
    await parents(rel, shown);
    const target = join(dest, rel);
    if (header.type === "directory") {
      if (!existing) await mkdir(target, { mode: 0o755 });
      tree.set(rel, "dir");
      if (opts.rootfs) await ownAndMode(target, header);
      stream.resume();
    } else if (header.type === "file") {
      const size = header.size ?? 0;
      if (size > limits.entryBytes)
        throw unsafe(`archive entry ${shown} is ${size} bytes; the cap is ${limits.entryBytes}`);
      total += size;
      if (total > limits.totalBytes) throw unsafe(`the archive holds more than ${limits.totalBytes} bytes`);
      tree.set(rel, "file");
      const mode = (header.mode ?? 0o644) & (opts.rootfs ? 0o7777 : 0o777);
      const fh = await open(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, mode);
      try {
        let written = 0;
        for await (const c of stream) {
          written += (c as Buffer).length;
          if (written > size) throw unsafe(`archive entry ${shown} is longer than its header says`);
          await fh.write(c as Buffer);
        }
        // chown first: it clears set-id bits, which chmod then restores.
        if (opts.rootfs) await fh.chown(header.uid ?? 0, header.gid ?? 0);
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
    } else if (header.type === "symlink" && opts.rootfs) {
      const to = header.linkname ?? "";
      if (to === "" || to.includes("\0")) throw unsafe(`archive link ${shown} has an empty target`);
      tree.set(rel, "symlink");
      await symlink(to, target);
      await lchown(target, header.uid ?? 0, header.gid ?? 0);
      stream.resume();
    } else if (
      opts.rootfs &&
      ["link", "character-device", "block-device", "fifo"].includes(header.type ?? "")
    ) {
      skipped.push(`${rel} (${header.type})`);
      stream.resume();
    } else if (header.type === "symlink") {
      const to = header.linkname ?? "";
      if (to === "" || to.startsWith("/") || CONTROL.test(to))
        throw unsafe(`archive link ${shown} -> ${JSON.stringify(to)} must be a relative path`);
      // Lexically first; through other links once every entry is known (below).
      if (resolveInside(new Map(), new Map(), rel, to) === undefined)
        throw unsafe(`archive link ${shown} -> ${JSON.stringify(to)} leaves the archive`);
      tree.set(rel, "symlink");
      links.set(rel, to);
      await symlink(to, target);
      stream.resume();
    } else {
      throw unsafe(`archive entry ${shown} has unsupported type ${header.type}`);
    }
  };

  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => {
    extract.on("finish", res);
    extract.on("error", rej);
  });
  const input = createReadStream(archive, opts.bytes !== undefined ? { end: opts.bytes - 1 } : {});
  const gunzip = opts.plain ? new PassThrough() : createGunzip();
  let streamed = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      streamed += chunk.length;
      if (streamed > limits.streamBytes)
        cb(unsafe(`the archive decompresses to more than ${limits.streamBytes} bytes`));
      else cb(null, chunk);
    },
  });
  const fail = (e: Error) => extract.destroy(e);
  input.on("error", fail);
  counter.on("error", fail);
  gunzip.on("error", (e) =>
    extract.destroy(new MvmError("E_BUILD_INPUT", `${archive} is not a gzip archive: ${e.message}`)),
  );
  extract.on("entry", (header, stream, next) => {
    onEntry(header, stream).then(
      () => next(),
      (e: Error) => {
        stream.resume();
        input.destroy();
        extract.destroy(e);
      },
    );
  });
  input.pipe(gunzip).pipe(counter).pipe(extract);
  await done;
  if (opts.rootfs) return { skipped };

  for (const [rel, to] of links) {
    if (resolveInside(tree, links, rel, to) === undefined)
      throw unsafe(`archive link ${JSON.stringify(rel)} -> ${JSON.stringify(to)} leaves the archive`);
  }
  // The model and the disk agree by construction; check the disk once more for links that resolve.
  const root = await realpath(dest);
  for (const rel of links.keys()) {
    const real = await realpath(join(dest, rel)).catch(() => undefined);
    if (real !== undefined && real !== root && !real.startsWith(`${root}/`))
      throw unsafe(`archive link ${JSON.stringify(rel)} resolves outside the archive`);
  }
  return { skipped };
}

async function ownAndMode(path: string, h: tar.Header): Promise<void> {
  await lchown(path, h.uid ?? 0, h.gid ?? 0);
  await chmod(path, (h.mode ?? 0o755) & 0o7777);
}
