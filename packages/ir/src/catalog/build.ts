import type { CodeRow } from "./row.js";

// Codes of the build stage: compiled input -> image in the store (docs/build.md).
export const buildCodes = {
  E_BUILD_INPUT: {
    summary: "the build input is not a compiled directory or archive",
    hint: "pass the directory or .tgz written by `mvmctl compile` (it holds workload.json, launch.json, flake.nix and src/)",
    exit: 1,
  },
  E_BUILD_ARCHIVE_UNSAFE: {
    summary: "the compiled archive has an entry outside its root",
    hint: "recreate the archive with `mvmctl compile --out X.tgz`; absolute paths and `..` are refused",
    exit: 1,
  },
  E_FORMAT_VERSION: {
    summary: "a file between stages was written in a format this mvmctl does not read",
    hint: "redo the stage that wrote it with this mvmctl: `mvmctl compile` for launch.json, `mvmctl build --force <compiled dir>` for an image",
    exit: 1,
  },
  E_BUILD_BACKEND_UNAVAILABLE: {
    summary: "the requested build backend cannot run on this machine",
    hint: "install the missing tool named in the message, or pick the other backend with --backend",
    exit: 1,
  },
  E_BUILD_TOOL_FAILED: {
    summary: "a tool the build runs failed",
    hint: "read the tool output above; rerun with --force once the cause is fixed",
    exit: 1,
  },
  E_BUILD_ROOTFS_TOO_SMALL: {
    summary: "the rootfs does not fit in resources.rootfs_size_mb",
    hint: "raise resources(rootfs_size_mb=...) in the declaration",
    exit: 1,
  },
  E_BUILD_IMAGE_UNSUPPORTED: {
    summary: "the image kind is not supported by this backend",
    hint: "use nix_packages images (python_image, node_image, nix_packages) with the debian backend",
    exit: 1,
  },
  E_BUILD_DEPS_FAILED: {
    summary: "installing the workload's locked dependencies failed",
    hint: "check the lockfile and, without an index, that MVM_WHEELHOUSE holds every pinned wheel",
    exit: 1,
  },
  E_BUILD_LOCKFILE_UNSUPPORTED: {
    summary: "the lockfile format cannot be installed by this backend",
    hint: "declare a uv.lock, a hashed requirements file (pip_tools) or, for Node, a package-lock.json (npm)",
    exit: 1,
  },
  E_BUILD_DEPS_HASH_MISMATCH: {
    summary: "a locked dependency's file does not have the sha256 its lockfile pins",
    hint: "the wheelhouse or mirror serves a different file than the one locked: replace the file, or re-lock if the change is intended",
    exit: 1,
  },
  E_PACKAGE_UNKNOWN: {
    summary: "a Nix package attribute has no Debian mapping",
    hint: "use one of the attributes listed in the message, or build with --backend nix",
    exit: 1,
  },
  E_PACKAGE_SUBSTITUTED_STRICT: {
    summary: "a requested package version is not in the Debian suite and --strict forbids substitution",
    hint: "request the version the suite provides, drop --strict, or build with --backend nix",
    exit: 1,
  },
  E_PACKAGE_SUBSTITUTED: {
    summary: "a requested package version was substituted by the suite's version",
    hint: "request the provided version to silence this, or use --strict to refuse substitutions",
    exit: 0,
    severity: "warning",
  },
  E_KERNEL_SHA_MISMATCH: {
    summary: "the kernel package does not match its pinned sha256",
    hint: "delete the cached .deb under $MVM_HOME/cache/kernel and retry; if it persists the mirror serves a different file",
    exit: 1,
  },
  E_KERNEL_FETCH_FAILED: {
    summary: "the pinned kernel package could not be downloaded",
    hint: "check access to deb.debian.org, or pass a kernel with --kernel PATH / MVM_KERNEL_DEB",
    exit: 1,
  },
  E_KERNEL_INVALID: {
    summary: "the kernel given with --kernel is not usable",
    hint: "pass a linux-image-*.deb, or a bzImage/vmlinuz file",
    exit: 1,
  },
  E_HOOK_FAILED: {
    summary: "build-time code (a before_build hook or an npm lifecycle script) failed in the builder VM",
    hint: "fix the hook command; its output is shown above",
    exit: 1,
  },
  E_BUILD_TIMEOUT: {
    summary: "build-time code in the builder VM did not finish within the build timeout",
    hint: "find the step that hangs in the output above, or raise the limit with `mvmctl build --timeout`",
    exit: 1,
  },
  E_BUILDER_FAILED: {
    summary: "the builder microVM that runs build-time code could not boot or stopped answering",
    hint: "the builder console's last lines are shown above; `mvmctl doctor` checks QEMU and the kernel",
    exit: 1,
  },
  E_AGENT_MISSING: {
    summary: "the guest agent or the language runners are not built",
    hint: "build them with `make -C agent` (needs musl-tools), or set MVM_AGENT_DIR to a directory holding build/mvm-agent and runners/",
    exit: 1,
  },
} satisfies Record<string, CodeRow>;
