// Shared by the contract tests: one real compile of examples/python/hello-app (through the built
// CLI, as users run it), done once per test file.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT, runCli, tempDir } from "../helpers/cli.js";

let compiled: Promise<string> | undefined;

/** The compiled dir of examples/python/hello-app. */
export function helloAppCompiled(): Promise<string> {
  compiled ??= (async () => {
    const out = path.join(await tempDir("mvm-contracts-"), "out");
    const r = await runCli([
      "compile",
      path.join(REPO_ROOT, "examples/python/hello-app/app.py"),
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return out;
  })();
  return compiled;
}

export async function readJsonFile(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
}
