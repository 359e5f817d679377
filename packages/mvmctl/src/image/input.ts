// Opens the build input: a compiled directory as is, or a .tgz of one extracted into a temp dir.
// Extraction (archive-extract.ts) refuses any entry that would write or point outside the temp dir.
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { type LaunchJson, readCompiledDir } from "../contracts/compiled-dir.js";
import { extractTgz } from "./archive-extract.js";

export { extractTgz, safeEntryPath } from "./archive-extract.js";

export interface OpenedInput {
  dir: string;
  launch: LaunchJson;
  /** Removes the temp dir of an extracted archive; a no-op for a directory. */
  cleanup: () => Promise<void>;
}

export async function openInput(input: string): Promise<OpenedInput> {
  const path = resolve(input);
  if (!existsSync(path)) throw new MvmError("E_BUILD_INPUT", `no such file or directory: ${input}`);
  if (statSync(path).isDirectory()) {
    return { dir: path, launch: await readCompiledDir(path, input), cleanup: async () => {} };
  }
  if (!/\.(tgz|tar\.gz)$/.test(path)) {
    throw new MvmError("E_BUILD_INPUT", `${input} is neither a directory nor a .tgz/.tar.gz archive`);
  }
  const dir = await mkdtemp(join(tmpdir(), "mvm-build-input-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await extractTgz(path, dir);
    return { dir, launch: await readCompiledDir(dir, input), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
