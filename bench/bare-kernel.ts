// Bare kernel-to-init: boots the image's kernel with a one-file initramfs (bare-init.c) under the
// same QEMU argv as an instance, and times QEMU start -> marker on the console.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type QemuLaunchSpec, qemuArgs } from "../packages/mvmctl/dist/runtime/vmm/qemu-args.js";

const MARKER = "MVM_BENCH_BARE_INIT";

/** Compiles bare-init.c statically and packs it as a gzip newc initramfs. */
export async function bareInitramfs(workDir: string): Promise<string> {
  const root = join(workDir, "bare-root");
  await mkdir(join(root, "dev"), { recursive: true });
  const cc = existsSync("/usr/bin/musl-gcc") ? "musl-gcc" : "cc";
  execFileSync(cc, ["-static", "-O2", "-o", join(root, "init"), join(import.meta.dirname, "bare-init.c")]);
  const out = join(workDir, "bare-initramfs.img");
  const cpio = execFileSync("sh", ["-c", "find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -n"], {
    cwd: root,
  });
  await writeFile(out, cpio);
  return out;
}

/** One bare boot; resolves with ms from spawning QEMU to the marker on the console. */
export async function bareBootMs(qemu: string, spec: QemuLaunchSpec, timeoutMs = 60_000): Promise<number> {
  await writeFile(spec.consoleLog, "");
  const t0 = performance.now();
  const child = spawn(qemu, qemuArgs(spec), { stdio: "ignore" });
  try {
    for (;;) {
      const elapsed = performance.now() - t0;
      if (elapsed > timeoutMs) throw new Error(`no ${MARKER} within ${timeoutMs} ms`);
      if (readFileSync(spec.consoleLog, "utf8").includes(MARKER)) return elapsed;
      if (child.exitCode !== null) throw new Error(`QEMU exited (${child.exitCode}) before ${MARKER}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    if (child.exitCode === null) {
      await new Promise<void>((r) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }
}
