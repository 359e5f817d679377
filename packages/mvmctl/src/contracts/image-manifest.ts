// image.json and the image store layout (docs/architecture.md, "Image store"): written by the image
// stage, read by the image stage's cache lookup and by every runtime verb. The runtime reads only
// this file from an image (plus the copied launch.json, compared byte for byte, never parsed).
// Imports zod only (never "@mvm/ir"): runtime commands load this and must start fast.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { z } from "zod";
import { writeFileAtomic } from "../lib/atomic-write.js";
import { RuntimeEntrypoint } from "./guest-runtime.js";
import { SecretBindings } from "./secret-refs.js";
import { describeIssues, field, mustMatch, readJson } from "./validate.js";

/**
 * 2: `secrets` (the secret references, names and bindings only) moved here from the copied
 * launch.json, so `up` reads one file; the runtime refuses 1 and the build's cache treats it as a miss.
 */
export const IMAGE_FORMAT_VERSION = 2;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");
const HostPort = z.strictObject({ host: z.string(), port: z.number().int().min(0) });

/**
 * The declared network as launch.json serialized it (IR `networkOut`). Only what the runtime acts on
 * is pinned; the rest (ports, peers, dns) is kept as written. `mode` stays a string so that `up`
 * can refuse an unsupported mode with its own error (E_NETWORK_MODE_UNSUPPORTED).
 */
export const ManifestNetwork = z
  .looseObject({
    mode: z.string(),
    egress: z.strictObject({ allowlist: z.array(HostPort) }).optional(),
  })
  .nullable();

export const ImageManifest = z.strictObject({
  image_format_version: z.literal(IMAGE_FORMAT_VERSION),
  digest: Hex64,
  inputs_hash: Hex64,
  ir_hash: z.string(),
  workload_id: z.string().min(1),
  app: z.string().min(1),
  backend: z.enum(["debian", "nix"]),
  kernel: z.strictObject({ version: z.string(), package: z.string(), sha256: z.string() }),
  files: z.record(z.string(), Hex64),
  packages: z.array(z.strictObject({ name: z.string(), version: z.string() })),
  resolution: z.array(
    z.strictObject({
      requested: z.string(),
      provided: z.string(),
      version: z.string(),
      substituted: z.boolean(),
    }),
  ),
  resources: z.strictObject({
    cpu_cores: z.number().int().min(0),
    memory_mb: z.number().int().min(0),
    rootfs_size_mb: z.number().int().min(0),
  }),
  network: ManifestNetwork,
  /** runtime.json form, so the host can name what can be called. */
  entrypoints: z.record(z.string(), RuntimeEntrypoint),
  primary: z.string(),
  dev: z.boolean(),
  /** launch.json's `secrets`: `up` mints one opaque token per entry. */
  secrets: SecretBindings,
  built_at: z.string(),
  build_ms: z.number().min(0),
  sizes: z.record(z.string(), z.number().int().min(0)),
});
export type ImageManifest = z.output<typeof ImageManifest>;
export type Resolution = ImageManifest["resolution"][number];

// ---- store layout ---------------------------------------------------------------------------

export const MANIFEST_FILE = "image.json";
/** The boot files of an image, by role; image.json `files` maps each name to its sha256. */
export const IMAGE_FILES = { kernel: "vmlinuz", initrd: "initramfs.img", rootfs: "rootfs.ext4" } as const;
/** Copied into the image from the compiled dir; `up <compiled dir>` matches launch.json byte for byte. */
export const COPIED_FROM_COMPILED = ["workload.json", "launch.json"] as const;
export const DIGEST_RE = /^[0-9a-f]{64}$/;

export function imagesDir(home: string): string {
  return join(home, "images");
}

export function imageDir(home: string, digest: string): string {
  return join(imagesDir(home), digest);
}

export function byWorkloadDir(home: string): string {
  return join(imagesDir(home), "by-workload");
}

export function byInputsDir(home: string): string {
  return join(imagesDir(home), "by-inputs");
}

/** Text file holding the newest digest built for a workload. */
export function byWorkloadRef(home: string, workloadId: string): string {
  return join(byWorkloadDir(home), workloadId);
}

/** Text file holding the digest built from one inputs hash (the build cache). */
export function byInputsRef(home: string, inputsHash: string): string {
  return join(byInputsDir(home), inputsHash);
}

/** The digest a ref file names, or undefined when it is missing or holds anything else. */
export async function readRef(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  const d = (await readFile(path, "utf8")).trim();
  return DIGEST_RE.test(d) ? d : undefined;
}

export async function writeRef(path: string, digest: string): Promise<void> {
  await writeFileAtomic(path, `${digest}\n`, 0o644);
}

// ---- read / write ---------------------------------------------------------------------------

const REBUILD = "rebuild it with `mvmctl build --force <compiled dir>`";

/**
 * The manifest of the image in `dir`. An image.json of another format version is E_FORMAT_VERSION
 * (an older one says to rebuild); one that does not match the schema is E_IMAGE_CORRUPT.
 */
export async function readImageManifest(dir: string): Promise<ImageManifest> {
  const file = join(dir, MANIFEST_FILE);
  const shown = dir.split("/").at(-1)?.slice(0, 12) ?? dir;
  const read = await readJson(file);
  if (!read.ok)
    throw new MvmError("E_IMAGE_CORRUPT", `image ${shown}: ${file} ${read.reason}`, { hint: REBUILD });
  const version = field(read.value, "image_format_version");
  if (typeof version !== "number") {
    throw new MvmError("E_IMAGE_CORRUPT", `image ${shown} has an image.json with no image_format_version`, {
      hint: REBUILD,
    });
  }
  if (version !== IMAGE_FORMAT_VERSION) {
    const older = version < IMAGE_FORMAT_VERSION;
    throw new MvmError(
      "E_FORMAT_VERSION",
      `image ${shown} has image.json format ${version}; this mvmctl reads format ${IMAGE_FORMAT_VERSION}`,
      {
        hint: older
          ? `it was built by an older mvmctl: ${REBUILD}`
          : `use the mvmctl that built it, or ${REBUILD} with this one`,
      },
    );
  }
  const parsed = ImageManifest.safeParse(read.value);
  if (!parsed.success) {
    throw new MvmError(
      "E_IMAGE_CORRUPT",
      `image ${shown} has an invalid image.json: ${describeIssues(parsed.error)}`,
      {
        hint: REBUILD,
      },
    );
  }
  return parsed.data;
}

/** Validates and writes `dir`/image.json whole (temp + rename); readable by everyone, like the image. */
export async function writeImageManifest(dir: string, m: ImageManifest): Promise<void> {
  mustMatch(ImageManifest, m, "image.json");
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`, 0o644);
}
