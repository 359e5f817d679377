// A complete, valid image.json (contracts/image-manifest.ts) for tests that plant images in a store
// by hand; each test overrides only what it is about.
import { IMAGE_FORMAT_VERSION, type ImageManifest } from "../../src/contracts/image-manifest.js";

export function manifestFor(digest: string, over: Partial<ImageManifest> = {}): ImageManifest {
  return {
    image_format_version: IMAGE_FORMAT_VERSION,
    digest,
    inputs_hash: "e".repeat(64),
    ir_hash: "0".repeat(64),
    workload_id: "w",
    app: "a",
    backend: "debian",
    kernel: { version: "6.1.0", package: "linux-image-cloud-amd64=6.1.0", sha256: "k".repeat(64) },
    files: { vmlinuz: "1".repeat(64), "initramfs.img": "2".repeat(64), "rootfs.ext4": "3".repeat(64) },
    packages: [],
    resolution: [],
    resources: { cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 },
    network: null,
    entrypoints: {},
    primary: "f",
    dev: true,
    secrets: {},
    built_at: "2024-01-01T00:00:00.000Z",
    build_ms: 1,
    sizes: { vmlinuz: 1, "initramfs.img": 1, "rootfs.ext4": 1 },
    ...over,
  };
}
