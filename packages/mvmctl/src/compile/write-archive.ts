// The deterministic .tgz of spec §5: entries sorted by path, directories as `path/`, uid/gid 0, no
// user/group names, mtime 0, mode 0755 if any exec bit else 0644, gzip with mtime 0 and no name.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { MvmError } from "@mvm/ir/errors";
import { pack } from "tar-stream";
import type { OutputEntry } from "./output-tree.js";
import { assertOutTarget, tempSibling } from "./write-directory.js";

const EPOCH = new Date(0);

function dirsOf(entries: readonly OutputEntry[]): string[] {
  const dirs = new Set<string>(["src"]);
  for (const e of entries) {
    const parts = e.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs];
}

/** The archive bytes for an output tree (pure apart from reading copied files). */
export async function archiveBytes(entries: readonly OutputEntry[]): Promise<Buffer> {
  type Item = { name: string; entry?: OutputEntry };
  const items: Item[] = [
    ...dirsOf(entries).map((d) => ({ name: `${d}/` })),
    ...entries.map((e) => ({ name: e.path, entry: e })),
  ];
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  const common = { uid: 0, gid: 0, uname: "", gname: "", mtime: EPOCH };
  for (const it of items) {
    const e = it.entry;
    if (!e) {
      p.entry({ ...common, name: it.name, type: "directory", mode: 0o755 });
    } else if (e.type === "symlink") {
      p.entry({ ...common, name: it.name, type: "symlink", linkname: e.target, mode: 0o777 });
    } else {
      const data = e.type === "file" ? e.data : await readFile(e.from);
      const mode = e.mode & 0o111 ? 0o755 : 0o644;
      await new Promise<void>((resolve, reject) =>
        p.entry({ ...common, name: it.name, type: "file", mode, size: data.length }, data, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    }
  }
  p.finalize();
  await done;
  // zlib writes mtime 0 and no file name in the gzip header; level fixed so bytes are stable.
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

export async function writeArchive(entries: readonly OutputEntry[], out: string): Promise<void> {
  await assertOutTarget(out, "file");
  const tmp = tempSibling(out, "tmp");
  try {
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(tmp, await archiveBytes(entries), { mode: 0o644 });
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new MvmError("E_COMPILE_OUTPUT_FAILED", `cannot write ${out}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export function isArchivePath(out: string): boolean {
  return /\.(tgz|tar\.gz)$/i.test(out);
}
