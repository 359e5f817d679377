// The guest kernel: the pinned Debian cloud kernel package (downloaded once, cached, its sha256
// checked on every use) or the one named by --kernel / MVM_KERNEL_DEB. A .deb gives the vmlinuz
// and the modules tree the initramfs takes its modules from; a bare vmlinuz gives no modules.
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { sha256File } from "../../lib/file-hash.js";
import { cacheDir } from "../cache-dir.js";
import { runOk } from "../host-tools.js";
import { KERNEL_PIN } from "./kernel-pin.js";

export interface KernelTree {
  vmlinuz: string;
  /** lib/modules/<release>, absent for a bare vmlinuz. */
  modulesDir?: string;
  release: string;
  package: string;
  version: string;
  /** sha256 of the .deb (or of the vmlinuz when given bare). */
  sha256: string;
}

async function download(url: string, dest: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} for ${url}`);
  const tmp = `${dest}.part-${process.pid}`;
  await writeFile(tmp, Buffer.from(await res.arrayBuffer()));
  await rename(tmp, dest);
}

/** The pinned .deb from the cache, downloading it first if needed; always sha256-checked. */
async function pinnedDeb(home: string): Promise<string> {
  const dir = join(cacheDir(home), "kernel");
  await mkdir(dir, { recursive: true });
  const deb = join(dir, `${KERNEL_PIN.package}_${KERNEL_PIN.version}_amd64.deb`);
  if (!existsSync(deb)) {
    const errors: string[] = [];
    for (const url of KERNEL_PIN.urls) {
      try {
        await download(url, deb);
        break;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (!existsSync(deb)) {
      throw new MvmError(
        "E_KERNEL_FETCH_FAILED",
        `cannot download ${KERNEL_PIN.package}: ${errors.join("; ")}`,
      );
    }
  }
  const got = await sha256File(deb);
  if (got !== KERNEL_PIN.sha256) {
    throw new MvmError(
      "E_KERNEL_SHA_MISMATCH",
      `${deb} has sha256 ${got}, the pin says ${KERNEL_PIN.sha256}`,
    );
  }
  return deb;
}

/** Extracts a kernel .deb once per sha256 into the cache (temp dir + rename: never half there). */
async function extractDeb(home: string, deb: string, sha: string): Promise<KernelTree> {
  const root = join(cacheDir(home), "kernel", `tree-${sha.slice(0, 16)}`);
  if (!existsSync(root)) {
    const tmp = `${root}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await runOk("dpkg-deb", ["-x", deb, tmp], { what: `extracting ${basename(deb)}` });
    await rename(tmp, root);
  }
  const boot = await readdir(join(root, "boot")).catch(() => [] as string[]);
  const vmlinuz = boot.find((f) => f.startsWith("vmlinuz-"));
  if (!vmlinuz) throw new MvmError("E_KERNEL_INVALID", `${deb} has no boot/vmlinuz-*`);
  const release = vmlinuz.slice("vmlinuz-".length);
  const fields = await runOk("dpkg-deb", ["-f", deb, "Package", "Version"]);
  const get = (k: string) => new RegExp(`^${k}: (.*)$`, "m").exec(fields)?.[1]?.trim() ?? "";
  const modulesDir = join(root, "lib/modules", release);
  return {
    vmlinuz: join(root, "boot", vmlinuz),
    modulesDir: existsSync(modulesDir) ? modulesDir : undefined,
    release,
    package: get("Package"),
    version: get("Version"),
    sha256: sha,
  };
}

/** Resolves the kernel for a build: `override` (--kernel) > MVM_KERNEL_DEB > the pin. */
export async function resolveKernel(home: string, override?: string): Promise<KernelTree> {
  const given = override ?? process.env.MVM_KERNEL_DEB;
  if (!given) return extractDeb(home, await pinnedDeb(home), KERNEL_PIN.sha256);
  const path = resolve(given);
  if (!existsSync(path)) throw new MvmError("E_KERNEL_INVALID", `kernel not found: ${path}`);
  const sha = await sha256File(path);
  if (path.endsWith(".deb")) return extractDeb(home, path, sha);
  return { vmlinuz: path, release: "custom", package: basename(path), version: "custom", sha256: sha };
}

/** The pinned kernel's vmlinuz when a build already extracted it into the cache (no download). */
export function cachedPinnedVmlinuz(home: string): string | undefined {
  const boot = join(cacheDir(home), "kernel", `tree-${KERNEL_PIN.sha256.slice(0, 16)}`, "boot");
  if (!existsSync(boot)) return undefined;
  const name = readdirSync(boot).find((f) => f.startsWith("vmlinuz-"));
  return name ? join(boot, name) : undefined;
}
