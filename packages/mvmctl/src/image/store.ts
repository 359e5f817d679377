// The content-addressed image store (docs/architecture.md, "Image store"). An image appears under
// images/<digest>/ only by a rename of a complete build dir, so a failed or interrupted build
// never leaves a partial image; its leftovers are named .build-<pid>-* and swept on the next build.
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ImageJson } from "./types.js";

export function imagesDir(home: string): string {
  return join(home, "images");
}

export async function ensureStore(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  await mkdir(join(imagesDir(home), "by-workload"), { recursive: true });
  await mkdir(join(imagesDir(home), "by-inputs"), { recursive: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes build dirs left by builds whose process is gone (killed, crashed, power loss). */
export async function sweepStaleBuilds(home: string): Promise<void> {
  for (const name of await readdir(imagesDir(home)).catch(() => [] as string[])) {
    const m = /^\.build-(\d+)-/.exec(name);
    if (m && !alive(Number(m[1]))) await rm(join(imagesDir(home), name), { recursive: true, force: true });
  }
}

export async function newBuildDir(home: string): Promise<string> {
  const dir = join(imagesDir(home), `.build-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The image built from these inputs, if the store has it whole. */
export async function lookupByInputs(home: string, inputsHash: string): Promise<ImageJson | undefined> {
  const ref = join(imagesDir(home), "by-inputs", inputsHash);
  if (!existsSync(ref)) return undefined;
  const digest = (await readFile(ref, "utf8")).trim();
  const manifest = join(imagesDir(home), digest, "image.json");
  if (!/^[0-9a-f]{64}$/.test(digest) || !existsSync(manifest)) return undefined;
  return JSON.parse(await readFile(manifest, "utf8")) as ImageJson;
}

async function writeRef(path: string, digest: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${digest}\n`);
  await rename(tmp, path);
}

/**
 * Moves a finished image dir into place. Same digest already present (a forced rebuild of the same
 * inputs): the existing, identical image is kept and the new copy dropped.
 */
export async function commitImage(home: string, outDir: string, image: ImageJson): Promise<string> {
  const final = join(imagesDir(home), image.digest);
  if (existsSync(join(final, "image.json"))) {
    // Refresh the manifest (build time, duration) but keep the content-addressed files.
    await writeFile(join(final, "image.json.tmp"), `${JSON.stringify(image, null, 2)}\n`);
    await rename(join(final, "image.json.tmp"), join(final, "image.json"));
    await rm(outDir, { recursive: true, force: true });
  } else {
    await rm(final, { recursive: true, force: true });
    await rename(outDir, final);
  }
  await writeRef(join(imagesDir(home), "by-inputs", image.inputs_hash), image.digest);
  await writeRef(join(imagesDir(home), "by-workload", image.workload_id), image.digest);
  return final;
}
