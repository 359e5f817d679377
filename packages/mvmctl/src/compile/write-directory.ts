// Writes the output tree as a staged directory, atomically: a sibling temp dir is filled and then
// renamed over `out`. On failure the temp dir is removed and an existing `out` is left untouched.
import { randomBytes } from "node:crypto";
import { chmod, copyFile, lstat, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { OutputEntry } from "./output-tree.js";

export async function assertOutTarget(out: string, want: "dir" | "file"): Promise<void> {
  try {
    const st = await lstat(out);
    if (want === "dir" && !st.isDirectory()) {
      throw new MvmError("E_COMPILE_OUTPUT_EXISTS_NOT_DIR", `--out ${out} exists and is not a directory`);
    }
    if (want === "file" && st.isDirectory()) {
      throw new MvmError(
        "E_COMPILE_OUTPUT_EXISTS_NOT_DIR",
        `--out ${out} is a directory; an archive path must be a file`,
        {
          hint: "choose a path ending in .tgz that is not a directory, or drop the .tgz suffix",
        },
      );
    }
  } catch (e) {
    if (e instanceof MvmError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

export function tempSibling(out: string, tag: string): string {
  return path.join(
    path.dirname(out),
    `.${path.basename(out)}.${tag}-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

export async function writeDirectory(entries: readonly OutputEntry[], out: string): Promise<void> {
  await assertOutTarget(out, "dir");
  const tmp = tempSibling(out, "tmp");
  try {
    await mkdir(path.dirname(out), { recursive: true });
    await mkdir(tmp, { recursive: false, mode: 0o755 });
    await mkdir(path.join(tmp, "src"), { mode: 0o755 });
    for (const e of entries) {
      const dest = path.join(tmp, e.path);
      await mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
      if (e.type === "symlink") {
        await symlink(e.target, dest);
      } else {
        if (e.type === "file") await writeFile(dest, e.data);
        else await copyFile(e.from, dest);
        // Explicit chmod: the result must not depend on the umask.
        await chmod(dest, e.mode);
      }
    }
    await chmod(tmp, 0o755);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new MvmError("E_COMPILE_OUTPUT_FAILED", `cannot write ${out}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let old: string | undefined;
  try {
    try {
      old = tempSibling(out, "old");
      await rename(out, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      old = undefined;
    }
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (old) await rename(old, out).catch(() => {});
    throw new MvmError(
      "E_COMPILE_OUTPUT_FAILED",
      `cannot move the staged output into ${out}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (old) await rm(old, { recursive: true, force: true });
}
