// The four routes of a declaration: static Python (tree-sitter), in-process Python (`python3
// app.py`, emit_json), static TypeScript (oxc) and in-process TypeScript (`node --import tsx
// app.ts`, emitJson), over app.py and app.ts of one directory. Shared by the tests that compare
// them (hook-forms.test.ts, diagnostics-corpus.test.ts).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { validateWorkload, workloadCanonicalJson } from "@mvm/ir";
import { extractTypeScript } from "../../src/compile/frontends/typescript/index.js";
import { REPO, SDK_PATH, staticCompile } from "./python/helpers.js";

const run = promisify(execFile);

/** Either the canonical IR bytes or the distinct error codes a route reported. */
export type Outcome = { ir: string } | { codes: string[] };

/** Distinct codes, sorted: which codes, not how often or in which order. */
const distinct = (codes: string[]) => [...new Set(codes)].sort();

async function staticPython(file: string): Promise<Outcome> {
  const s = await staticCompile(readFileSync(file, "utf8"), file);
  if (s.canonical !== undefined) return { ir: s.canonical };
  return { codes: distinct(s.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)) };
}

async function staticTypeScript(file: string): Promise<Outcome> {
  const r = await extractTypeScript(readFileSync(file, "utf8"), file);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (r.value === undefined || errors.length > 0) return { codes: distinct(errors.map((d) => d.code)) };
  const v = validateWorkload(r.value, r.locate);
  if (v.workload) return { ir: workloadCanonicalJson(v.workload) };
  return { codes: distinct(v.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)) };
}

/**
 * Runs a declaration file. On failure the codes come from what the user sees on stderr: Python's
 * traceback ends in "MvmError: E_...: ..." followed by one "E_...: ..." line per further problem,
 * Node prints an uncaught MvmError with its `code` properties (its diagnostics' too), and
 * emitJson() prints "error[E_...]" lines.
 */
async function inProcess(cmd: string, args: string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout } = await run(cmd, args, {
      cwd,
      env: { ...process.env, PYTHONPATH: SDK_PATH, PYTHONDONTWRITEBYTECODE: "1", MVM_IN_GUEST: "" },
    });
    return { ir: stdout };
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? e);
    const codes = [
      ...stderr.matchAll(/MvmError: (E_[A-Z_]+)|code: '(E_[A-Z_]+)'|error\[(E_[A-Z_]+)\]|^(E_[A-Z_]+): /gm),
    ].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!);
    return { codes: codes.length ? distinct(codes) : [`no error code in: ${stderr}`] };
  }
}

/** The four routes over app.py and app.ts of one directory. */
export async function fourRoutes(dir: string): Promise<Record<string, Outcome>> {
  const py = join(dir, "app.py");
  const ts = join(dir, "app.ts");
  const [a, b, c, d] = await Promise.all([
    staticPython(py),
    inProcess("python3", [py], dir),
    staticTypeScript(ts),
    inProcess(process.execPath, ["--import", "tsx", ts], REPO),
  ]);
  return { "static python": a!, "python3 app.py": b!, "static typescript": c!, "node app.ts": d! };
}
