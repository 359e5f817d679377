#!/usr/bin/env bash
# One-time setup of a fresh Debian (bookworm) machine, as root: system packages, npm dependencies,
# the TypeScript build, the guest agent, mvmctl's native launcher, and `import mvm` for Python.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

APT_PACKAGES=(
  qemu-system-x86   # the microVM monitor (microvm machine, TCG or KVM)
  mmdebstrap        # Debian rootfs for the default build backend
  e2fsprogs         # mkfs.ext4 -d: read-only rootfs without loop mounts
  cpio              # initramfs archive
  musl-tools        # musl-gcc: the static guest agent
  gcc libc6-dev make  # host cc: mvmctl's native launcher (packages/mvmctl/native); make for both
  kmod xz-utils zstd  # kernel module handling for the initramfs
  openssl           # tests: a throwaway CA and server certificate for the fetch broker's TLS tests
  nix-bin           # nix-instantiate --parse checks the generated flake.nix offline
  clang libclang-rt-14-dev  # libFuzzer + ASan/UBSan for the agent's fuzz targets
  python3 python3-pip python3-setuptools python3-wheel  # host pip installs locked wheels into images
  ca-certificates
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "build (tsc)"
npm run --silent build

step "guest agent (musl, static)"
make -s -C agent

step "mvmctl's native launcher (compile server client, host cc)"
make -s -C packages/mvmctl/native

step "Python SDK: import mvm"
PY="${MVM_PYTHON:-python3}"
site_dir=$("$PY" -c 'import site, sys; print(site.getsitepackages()[0] if hasattr(site, "getsitepackages") else sys.path[-1])')
printf '%s\n' "$PWD/python" > "$site_dir/mvm-dev.pth"
"$PY" -c 'import mvm' && echo "import mvm: ok ($site_dir/mvm-dev.pth)" >&2

step "ready: npx mvmctl --help"
