// The content-addressed image store (docs/architecture.md, "Image store"; layout and image.json in
// contracts/image-manifest.ts). An image appears under images/<digest>/ only by a rename of a
// complete build dir, so a failed or interrupted build never leaves a partial image; its leftovers
// are named .build-<pid>-* and swept on the next build.
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  byInputsDir,
  byInputsRef,
  byWorkloadDir,
  byWorkloadRef,
  COPIED_FROM_COMPILED,
  type ImageManifest,
  imageDir,
  imagesDir,
  MANIFEST_FILE,
  readImageManifest,
  readRef,
  writeImageManifest,
  writeRef,
} from "../contracts/image-manifest.js";

export async function ensureStore(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  await mkdir(byWorkloadDir(home), { recursive: true });
  await mkdir(byInputsDir(home), { recursive: true });
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

/**
 * The image built from these inputs, if the store has it whole and in the current format. An image
 * of an older format (or an unreadable manifest) is a miss: it is rebuilt and its manifest replaced.
 */
export async function lookupByInputs(home: string, inputsHash: string): Promise<ImageManifest | undefined> {
  const digest = await readRef(byInputsRef(home, inputsHash));
  if (!digest || !existsSync(join(imageDir(home, digest), MANIFEST_FILE))) return undefined;
  return readImageManifest(imageDir(home, digest)).catch(() => undefined);
}

/**
 * Moves a finished image dir into place. Same digest already present (a forced rebuild of the same
 * inputs): the existing, identical image is kept and the new copy dropped.
 */
export async function commitImage(home: string, outDir: string, image: ImageManifest): Promise<string> {
  const final = imageDir(home, image.digest);
  if (existsSync(join(final, MANIFEST_FILE))) {
    // Refresh the manifest (build time, duration, format, secret refs) and the compiled-dir copies
    // it was made from, so the three agree; keep the content-addressed files.
    for (const f of COPIED_FROM_COMPILED) await copyFile(join(outDir, f), join(final, f));
    await writeImageManifest(final, image);
    await rm(outDir, { recursive: true, force: true });
  } else {
    await rm(final, { recursive: true, force: true });
    await rename(outDir, final);
  }
  await writeRef(byInputsRef(home, image.inputs_hash), image.digest);
  await writeRef(byWorkloadRef(home, image.workload_id), image.digest);
  return final;
}
