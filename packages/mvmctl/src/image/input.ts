// Opens the build input: a compiled directory as is, or a .tgz of one extracted into a temp dir.
// Archive entries are checked before anything is written: absolute paths, `..` and links that
// leave the tree are refused, so a hostile archive cannot write outside the temp dir.
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, normalize, posix, resolve } from "node:path";
import { createGunzip } from "node:zlib";
import { MvmError } from "@mvm/ir/errors";
import tar from "tar-stream";
import type { LaunchJson } from "./types.js";

export interface OpenedInput {
  dir: string;
  launch: LaunchJson;
  /** Removes the temp dir of an extracted archive; a no-op for a directory. */
  cleanup: () => Promise<void>;
}

/** A relative, normalized path inside the archive root, or an error. */
export function safeEntryPath(name: string): string {
  const unsafe = () =>
    new MvmError("E_BUILD_ARCHIVE_UNSAFE", `archive entry "${name}" points outside the archive root`);
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) throw unsafe();
  const norm = posix.normalize(name.replace(/\/+$/, ""));
  if (norm === ".." || norm.startsWith("../") || norm.split("/").includes("..")) throw unsafe();
  return norm === "." ? "" : norm;
}

export async function extractTgz(archive: string, dest: string): Promise<void> {
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => {
    extract.on("finish", res);
    extract.on("error", rej);
  });
  const input = createReadStream(archive);
  const gunzip = createGunzip();
  const fail = (e: Error) => extract.destroy(e);
  input.on("error", fail);
  gunzip.on("error", (e) =>
    extract.destroy(new MvmError("E_BUILD_INPUT", `${archive} is not a gzip archive: ${e.message}`)),
  );
  extract.on("entry", (header, stream, next) => {
    (async () => {
      const rel = safeEntryPath(header.name);
      const target = join(dest, rel);
      const mode = (header.mode ?? 0o644) & 0o777;
      if (header.type === "directory") {
        await mkdir(target, { recursive: true });
        stream.resume();
      } else if (header.type === "file") {
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, Buffer.concat(chunks), { mode });
      } else if (header.type === "symlink" && header.linkname) {
        // A link must resolve inside the tree, like compile's own rule for sources.
        const to = normalize(join(dirname(rel), header.linkname));
        if (header.linkname.startsWith("/") || to === ".." || to.startsWith("../")) {
          throw new MvmError(
            "E_BUILD_ARCHIVE_UNSAFE",
            `archive link "${header.name}" -> "${header.linkname}" leaves the archive`,
          );
        }
        await mkdir(dirname(target), { recursive: true });
        await symlink(header.linkname, target);
        stream.resume();
      } else {
        throw new MvmError(
          "E_BUILD_ARCHIVE_UNSAFE",
          `archive entry "${header.name}" has unsupported type ${header.type}`,
        );
      }
    })().then(
      () => next(),
      (e: Error) => {
        stream.resume();
        extract.destroy(e);
      },
    );
  });
  input.pipe(gunzip).pipe(extract);
  await done;
}

async function readLaunch(dir: string, shown: string): Promise<LaunchJson> {
  for (const f of ["workload.json", "launch.json", "src"]) {
    if (!existsSync(join(dir, f))) {
      throw new MvmError("E_BUILD_INPUT", `${shown} has no ${f}; it is not a compiled directory`);
    }
  }
  try {
    return JSON.parse(await readFile(join(dir, "launch.json"), "utf8")) as LaunchJson;
  } catch (cause) {
    throw new MvmError("E_BUILD_INPUT", `${shown}/launch.json is not valid JSON`, { cause });
  }
}

export async function openInput(input: string): Promise<OpenedInput> {
  const path = resolve(input);
  if (!existsSync(path)) throw new MvmError("E_BUILD_INPUT", `no such file or directory: ${input}`);
  if (statSync(path).isDirectory()) {
    return { dir: path, launch: await readLaunch(path, input), cleanup: async () => {} };
  }
  if (!/\.(tgz|tar\.gz)$/.test(path)) {
    throw new MvmError("E_BUILD_INPUT", `${input} is neither a directory nor a .tgz/.tar.gz archive`);
  }
  const dir = await mkdtemp(join(tmpdir(), "mvm-build-input-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await extractTgz(path, dir);
    return { dir, launch: await readLaunch(dir, input), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
