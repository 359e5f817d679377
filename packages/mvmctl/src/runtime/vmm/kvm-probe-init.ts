// The KVM probe's guest userland: an initramfs whose /init is a 138-byte static x86-64 ELF that
// asks for I/O port access (iopl(3)) and writes a value to QEMU's isa-debug-exit port, so QEMU
// exits with (value << 1) | 1. Reaching that exit status means the kernel booted under the probed
// accelerator and CPU model all the way to userspace. Hand-assembled rather than compiled: no
// toolchain needed at probe time, and the same bytes on every host (deterministic, like cpio.ts).
import { initramfsBytes } from "../../lib/cpio.js";

/** The isa-debug-exit port; 0xf4 is QEMU's conventional choice and unused on microvm. */
export const PROBE_EXIT_PORT = 0xf4;
const EXIT_VALUE = 0x21;
/** QEMU's exit status when the probe init ran: (0x21 << 1) | 1. */
export const PROBE_OK_STATUS = (EXIT_VALUE << 1) | 1;

const LOAD_ADDR = 0x400000;

/**
 * mov eax,172 (iopl); mov edi,3; syscall; mov al,0x21; out 0xf4,al; jmp $.
 * If iopl fails, the out faults, init dies, the kernel panics and `panic=-1 -no-reboot` ends QEMU
 * with status 0: a failure, never a false success.
 */
const CODE = Buffer.from([
  0xb8,
  0xac,
  0x00,
  0x00,
  0x00,
  0xbf,
  0x03,
  0x00,
  0x00,
  0x00,
  0x0f,
  0x05,
  0xb0,
  EXIT_VALUE,
  0xe6,
  PROBE_EXIT_PORT,
  0xeb,
  0xfe,
]);

/** A minimal ELF64 executable: header, one PT_LOAD program header (R+X) covering the file, code. */
export function probeInitElf(): Buffer {
  const ehSize = 64;
  const phSize = 56;
  const size = ehSize + phSize + CODE.length;
  const b = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b, 0); // ELF, 64-bit, little endian, v1, SysV
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  b.writeUInt32LE(1, 20); // EV_CURRENT
  b.writeBigUInt64LE(BigInt(LOAD_ADDR + ehSize + phSize), 24); // entry: the code after the headers
  b.writeBigUInt64LE(BigInt(ehSize), 32); // program headers right after the ELF header
  b.writeUInt16LE(ehSize, 52);
  b.writeUInt16LE(phSize, 54);
  b.writeUInt16LE(1, 56); // one program header
  const ph = ehSize;
  b.writeUInt32LE(1, ph); // PT_LOAD
  b.writeUInt32LE(5, ph + 4); // PF_R | PF_X
  b.writeBigUInt64LE(0n, ph + 8); // file offset
  b.writeBigUInt64LE(BigInt(LOAD_ADDR), ph + 16); // vaddr
  b.writeBigUInt64LE(BigInt(LOAD_ADDR), ph + 24); // paddr
  b.writeBigUInt64LE(BigInt(size), ph + 32); // filesz
  b.writeBigUInt64LE(BigInt(size), ph + 40); // memsz
  b.writeBigUInt64LE(0x1000n, ph + 48); // align
  CODE.copy(b, ehSize + phSize);
  return b;
}

/** The probe initramfs: only /init. */
export function probeInitramfs(): Buffer {
  return initramfsBytes([{ path: "init", type: "file", mode: 0o755, data: probeInitElf() }]);
}
