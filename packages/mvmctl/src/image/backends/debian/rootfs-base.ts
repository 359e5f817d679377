// The base root filesystem: Debian bookworm's Essential set plus the resolved packages, made by
// mmdebstrap and cached as a tarball per package set. A second workload with the same packages
// skips the download entirely; downloaded .debs are also kept, so a different package set only
// fetches what is new. Docs, man pages and locales are never unpacked (dpkg path-exclude).
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson, sha256Hex } from "@mvm/ir";
import { cacheDir } from "../../cache-dir.js";
import { runOk } from "../../host-tools.js";
import { DEBIAN_SUITE } from "./packages.js";

/** A fixed SOURCE_DATE_EPOCH for every build: 2023-06-10, bookworm's release day. */
export const SOURCE_DATE_EPOCH = 1686355200;

export const MIRRORS = [
  `deb http://deb.debian.org/debian ${DEBIAN_SUITE} main`,
  `deb http://deb.debian.org/debian ${DEBIAN_SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`,
];

/** Paths dpkg never unpacks into an image. */
export const PATH_EXCLUDES = [
  "/usr/share/doc/*",
  "/usr/share/man/*",
  "/usr/share/info/*",
  "/usr/share/locale/*",
  "/usr/share/lintian/*",
  "/usr/share/linda/*",
];

/** Bump when the way the base is made changes, so old cached bases are not reused. */
const BASE_FORMAT = 1;

export function baseKey(debs: string[]): string {
  return sha256Hex(
    canonicalJson({
      format: BASE_FORMAT,
      suite: DEBIAN_SUITE,
      variant: "essential",
      mirrors: MIRRORS,
      debs: [...debs].sort(),
      excludes: PATH_EXCLUDES,
    }),
  );
}

export interface BaseRootfs {
  tarball: string;
  key: string;
  cached: boolean;
}

export async function baseRootfs(
  home: string,
  debs: string[],
  onOutput?: (line: string) => void,
): Promise<BaseRootfs> {
  const dir = join(cacheDir(home), "rootfs");
  const debCache = join(cacheDir(home), "debs");
  await mkdir(dir, { recursive: true });
  await mkdir(debCache, { recursive: true });
  const key = baseKey(debs);
  const tarball = join(dir, `${key}.tar`);
  if (existsSync(tarball)) return { tarball, key, cached: true };
  const tmp = `${tarball}.tmp-${process.pid}`;
  const args = [
    "--variant=essential",
    "--mode=root",
    "--format=tar",
    '--aptopt=APT::Install-Recommends "false"',
    '--aptopt=APT::Install-Suggests "false"',
    ...PATH_EXCLUDES.map((p) => `--dpkgopt=path-exclude=${p}`),
    `--include=${debs.join(",")}`,
    // Reuse downloaded .debs across package sets (mmdebstrap's documented cache recipe).
    "--skip=download/empty",
    "--skip=essential/unlink",
    `--setup-hook=mkdir -p "$1"/var/cache/apt/archives/`,
    `--setup-hook=sync-in ${debCache} /var/cache/apt/archives/`,
    `--customize-hook=sync-out /var/cache/apt/archives ${debCache}`,
    `--customize-hook=rm -rf "$1"/var/cache/apt/archives/*.deb`,
    DEBIAN_SUITE,
    tmp,
    MIRRORS.join("\n"),
  ];
  try {
    await runOk("mmdebstrap", args, {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH), LC_ALL: "C.UTF-8" },
      onOutput,
      what: "mmdebstrap (base rootfs)",
    });
    await rename(tmp, tarball);
    await writeFile(join(dir, `${key}.json`), `${JSON.stringify({ debs, mirrors: MIRRORS }, null, 2)}\n`);
  } finally {
    await rm(tmp, { force: true });
  }
  return { tarball, key, cached: false };
}
