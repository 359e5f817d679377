// The default guest kernel: a Debian bookworm cloud kernel, pinned by version and sha256.
// Why this one: the cloud flavour is small and has virtio built in or as modules, and the
// point-release pool (not debian-security) keeps the file until the next point release; after
// that snapshot.debian.org serves it, or MVM_KERNEL_DEB / --kernel name a local copy. To update the pin:
//   apt-get update && apt-cache show linux-image-cloud-amd64    # find the ABI package
//   apt-get download --print-uris linux-image-<abi>-cloud-amd64 # URL and SHA256
// and change the fields below together (docs/build.md, "Kernel").

export interface KernelPin {
  /** The Debian package name. */
  package: string;
  /** The kernel release (`uname -r`), which is also the modules directory name. */
  release: string;
  /** The Debian package version. */
  version: string;
  sha256: string;
  size: number;
  urls: string[];
}

export const KERNEL_PIN: KernelPin = {
  package: "linux-image-6.1.0-50-cloud-amd64",
  release: "6.1.0-50-cloud-amd64",
  version: "6.1.176-1",
  sha256: "efe19f605b6f54a8352e68d85a629abb2d30b72a085faef603a9152590baa791",
  size: 26484304,
  urls: [
    "http://deb.debian.org/debian/pool/main/l/linux-signed-amd64/linux-image-6.1.0-50-cloud-amd64_6.1.176-1_amd64.deb",
  ],
};

/** Modules the guest needs, by module name; their dependencies are added from the package. */
export const GUEST_MODULES = [
  "virtio_mmio", // QEMU microvm devices
  "virtio_pci", // q35/pc machines and microvm with pcie=on
  "virtio_blk", // /dev/vda, the rootfs
  "virtio_console", // the mvm.agent virtio-serial port
  "virtio_net", // bridge-mode networking
  "virtio_rng", // entropy early in boot
  "ext4", // the rootfs (built in on the cloud kernel; listed for --kernel packages where it is a module)
  "overlay", // tmpfs overlay over the read-only rootfs
  "vmw_vsock_virtio_transport", // AF_VSOCK agent transport (firecracker, QEMU vhost-vsock)
];
