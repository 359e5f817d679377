// Shared by the Python frontend tests: static extraction to canonical bytes, and the in-process
// route (`python3 app.py` with the SDK on PYTHONPATH).
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Diagnostic, validateWorkload, workloadCanonicalJson } from "@mvm/ir";
import { extractPython } from "../../../src/compile/frontends/python/index.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../..");
export const SDK_PATH = join(REPO, "python");
export const CORPUS = join(REPO, "packages/mvmctl/test/compile/corpus");

export interface StaticResult {
  canonical?: string;
  diagnostics: Diagnostic[];
}

/** extractPython -> validateWorkload -> canonical bytes. */
export async function staticCompile(text: string, file = "app.py"): Promise<StaticResult> {
  const r = await extractPython(text, file);
  if (r.value === undefined) return { diagnostics: r.diagnostics };
  const v = validateWorkload(r.value, r.locate);
  const diagnostics = [...r.diagnostics, ...v.diagnostics];
  return v.workload ? { canonical: workloadCanonicalJson(v.workload), diagnostics } : { diagnostics };
}

export function runPython(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
) {
  const r = spawnSync("python3", args, {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, PYTHONPATH: SDK_PATH, PYTHONDONTWRITEBYTECODE: "1", ...opts.env },
    encoding: "utf8",
    input: opts.input,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Errors only, as "CODE line:col". */
export function errorsAt(ds: Diagnostic[]): string[] {
  return ds
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.location?.line}:${d.location?.column}`);
}
