// Resolves what the user passed to `up` into an image in the store. The runtime reads only the
// store's files (image.json through contracts/image-manifest.ts, by-workload/, and the copied
// launch.json, which it compares byte for byte and never interprets) and never imports image/.
//   compiled dir  -> the image whose launch.json is byte-identical to the dir's (so a stale image
//                    for an edited workload is never booted by mistake); newest first
//   workload id   -> images/by-workload/<id>
//   digest        -> images/<digest> (a unique prefix of at least 12 hex digits also works)
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import {
  byWorkloadRef,
  DIGEST_RE,
  IMAGE_FILES,
  type ImageManifest,
  imageDir,
  imagesDir,
  MANIFEST_FILE,
  readImageManifest,
  readRef,
} from "../contracts/image-manifest.js";

export interface ResolvedImage {
  dir: string;
  /** image.json: everything `up` needs from the image, secret refs included. */
  manifest: ImageManifest;
  kernel: string;
  initrd: string;
  rootfs: string;
}

async function loadImage(dir: string): Promise<ResolvedImage> {
  const manifest = await readImageManifest(dir);
  const img: ResolvedImage = {
    dir,
    manifest,
    kernel: join(dir, IMAGE_FILES.kernel),
    initrd: join(dir, IMAGE_FILES.initrd),
    rootfs: join(dir, IMAGE_FILES.rootfs),
  };
  for (const f of [img.kernel, img.initrd, img.rootfs]) {
    if (!existsSync(f)) {
      throw new MvmError("E_IMAGE_CORRUPT", `image ${manifest.digest.slice(0, 12)} is missing ${f}`, {
        hint: "rebuild it with `mvmctl build --force <compiled dir>`",
      });
    }
  }
  return img;
}

async function storeDigests(home: string): Promise<string[]> {
  const names = await readdir(imagesDir(home)).catch(() => [] as string[]);
  return names.filter((n) => DIGEST_RE.test(n) && existsSync(join(imageDir(home, n), MANIFEST_FILE)));
}

/** launch.json's workload_id, read without the compile contract (the runtime does not load the IR). */
function workloadIdOf(launchBytes: Buffer): string | undefined {
  try {
    const id = (JSON.parse(launchBytes.toString("utf8")) as { workload_id?: unknown }).workload_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

async function byCompiledDir(home: string, dir: string): Promise<ResolvedImage> {
  const launchBytes = await readFile(join(dir, "launch.json"));
  // Only a hint for which image to try first; the match itself is the byte comparison below.
  const workloadId = workloadIdOf(launchBytes);
  const candidates: string[] = [];
  const preferred = workloadId ? await readRef(byWorkloadRef(home, workloadId)) : undefined;
  if (preferred) candidates.push(preferred);
  const rest = await storeDigests(home);
  rest.sort((a, b) => statSync(imageDir(home, b)).mtimeMs - statSync(imageDir(home, a)).mtimeMs);
  candidates.push(...rest.filter((d) => d !== preferred));
  for (const d of candidates) {
    const copy = join(imageDir(home, d), "launch.json");
    if (existsSync(copy) && (await readFile(copy)).equals(launchBytes)) return loadImage(imageDir(home, d));
  }
  throw new MvmError("E_IMAGE_NOT_FOUND", `no image in the store was built from ${dir}`, {
    hint: `build it first: mvmctl build ${dir}`,
  });
}

export async function resolveImage(home: string, ref: string): Promise<ResolvedImage> {
  const asPath = resolve(ref);
  if (existsSync(join(asPath, "launch.json")) && !existsSync(join(asPath, MANIFEST_FILE))) {
    return byCompiledDir(home, asPath);
  }
  if (existsSync(join(asPath, MANIFEST_FILE))) return loadImage(asPath);
  const hex = ref.replace(/^sha256:/, "");
  if (/^[0-9a-f]{12,64}$/.test(hex)) {
    const matches = (await storeDigests(home)).filter((d) => d.startsWith(hex));
    if (matches.length === 1 && matches[0]) return loadImage(imageDir(home, matches[0]));
    if (matches.length > 1) {
      throw new MvmError("E_IMAGE_AMBIGUOUS", `image prefix ${hex} matches ${matches.length} images`, {
        hint: "give more digits of the digest",
      });
    }
  }
  const byWorkload = await readRef(byWorkloadRef(home, ref));
  if (byWorkload && existsSync(join(imageDir(home, byWorkload), MANIFEST_FILE))) {
    return loadImage(imageDir(home, byWorkload));
  }
  throw new MvmError(
    "E_IMAGE_NOT_FOUND",
    `no image for "${ref}" (not a compiled dir, workload id or digest in the store)`,
    {
      hint: "build one with `mvmctl build <compiled dir>`, then pass that dir, its workload id or the printed digest",
    },
  );
}
