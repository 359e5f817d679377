// Resolves what the user passed to `up` into an image in the store. The runtime reads only the
// store's files (image.json, by-workload/, the copied launch.json) and never imports build/.
//   compiled dir  -> the image whose launch.json is byte-identical to the dir's (so a stale image
//                    for an edited workload is never booted by mistake); newest first
//   workload id   -> images/by-workload/<id>
//   digest        -> images/<digest> (a unique prefix of at least 12 hex digits also works)
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MvmError } from "@mvm/ir/errors";

export interface ImageManifest {
  digest: string;
  workload_id: string;
  app: string;
  resources: { cpu_cores: number; memory_mb: number; rootfs_size_mb?: number };
  network: { mode: string; egress?: { allowlist: { host: string; port: number }[] } } | null;
  entrypoints: Record<string, { kind: string; [k: string]: unknown }>;
  primary: string;
  dev: boolean;
  kernel?: { version: string; package: string; sha256: string };
  [k: string]: unknown;
}

export type { LaunchSecrets } from "../secrets/instance-tokens.js";

import type { LaunchSecrets } from "../secrets/instance-tokens.js";

export interface ResolvedImage {
  dir: string;
  manifest: ImageManifest;
  /** launch.json copied into the image (secret refs are needed by `up`). */
  launch: { secrets?: LaunchSecrets; app?: string; workload_id?: string; [k: string]: unknown };
  kernel: string;
  initrd: string;
  rootfs: string;
}

export function imagesDir(home: string): string {
  return join(home, "images");
}

async function loadImage(dir: string): Promise<ResolvedImage> {
  const manifest = JSON.parse(await readFile(join(dir, "image.json"), "utf8")) as ImageManifest;
  const launchPath = join(dir, "launch.json");
  const launch = existsSync(launchPath) ? JSON.parse(await readFile(launchPath, "utf8")) : {};
  const img: ResolvedImage = {
    dir,
    manifest,
    launch,
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initramfs.img"),
    rootfs: join(dir, "rootfs.ext4"),
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

async function readRef(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  const d = (await readFile(path, "utf8")).trim();
  return /^[0-9a-f]{64}$/.test(d) ? d : undefined;
}

async function storeDigests(home: string): Promise<string[]> {
  const names = await readdir(imagesDir(home)).catch(() => [] as string[]);
  return names.filter((n) => /^[0-9a-f]{64}$/.test(n) && existsSync(join(imagesDir(home), n, "image.json")));
}

async function byCompiledDir(home: string, dir: string): Promise<ResolvedImage> {
  const launchBytes = await readFile(join(dir, "launch.json"));
  const launch = JSON.parse(launchBytes.toString("utf8")) as { workload_id?: string };
  const candidates: string[] = [];
  const preferred = launch.workload_id
    ? await readRef(join(imagesDir(home), "by-workload", launch.workload_id))
    : undefined;
  if (preferred) candidates.push(preferred);
  const rest = await storeDigests(home);
  rest.sort(
    (a, b) => statSync(join(imagesDir(home), b)).mtimeMs - statSync(join(imagesDir(home), a)).mtimeMs,
  );
  candidates.push(...rest.filter((d) => d !== preferred));
  for (const d of candidates) {
    const copy = join(imagesDir(home), d, "launch.json");
    if (existsSync(copy) && (await readFile(copy)).equals(launchBytes))
      return loadImage(join(imagesDir(home), d));
  }
  throw new MvmError("E_IMAGE_NOT_FOUND", `no image in the store was built from ${dir}`, {
    hint: `build it first: mvmctl build ${dir}`,
  });
}

export async function resolveImage(home: string, ref: string): Promise<ResolvedImage> {
  const asPath = resolve(ref);
  if (existsSync(join(asPath, "launch.json")) && !existsSync(join(asPath, "image.json"))) {
    return byCompiledDir(home, asPath);
  }
  if (existsSync(join(asPath, "image.json"))) return loadImage(asPath);
  const hex = ref.replace(/^sha256:/, "");
  if (/^[0-9a-f]{12,64}$/.test(hex)) {
    const matches = (await storeDigests(home)).filter((d) => d.startsWith(hex));
    if (matches.length === 1 && matches[0]) return loadImage(join(imagesDir(home), matches[0]));
    if (matches.length > 1) {
      throw new MvmError("E_IMAGE_AMBIGUOUS", `image prefix ${hex} matches ${matches.length} images`, {
        hint: "give more digits of the digest",
      });
    }
  }
  const byWorkload = await readRef(join(imagesDir(home), "by-workload", ref));
  if (byWorkload && existsSync(join(imagesDir(home), byWorkload, "image.json"))) {
    return loadImage(join(imagesDir(home), byWorkload));
  }
  throw new MvmError(
    "E_IMAGE_NOT_FOUND",
    `no image for "${ref}" (not a compiled dir, workload id or digest in the store)`,
    {
      hint: "build one with `mvmctl build <compiled dir>`, then pass that dir, its workload id or the printed digest",
    },
  );
}
