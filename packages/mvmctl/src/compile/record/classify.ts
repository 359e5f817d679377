// May compile auto-run this file? Asked only after the static frontend found no declaration in
// it. The answer is "yes" only when the file (and every local module it imports, transitively)
// provably does not touch the mvm declaration API in any form, and the file itself calls
// Sandbox.create. Everything the analysis cannot follow refuses (classify-python.ts and
// classify-ts.ts list the rules). Nothing here runs the file.
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { lineCol } from "@mvm/ir";
import { parseTypeScript } from "../frontends/typescript/ast.js";
import { MAX_DECLARATION_BYTES } from "../input.js";
import { scanJsNesting, scanPythonNesting } from "../nesting.js";
import { classifyPythonTree } from "./classify-python.js";
import type { ClassifyResult, Finding } from "./classify-rules.js";
import { classifyTsTree } from "./classify-ts.js";

export type { Finding } from "./classify-rules.js";

/** How many local modules are followed before the answer is "cannot classify". */
export const MAX_LOCAL_MODULES = 64;

export interface AutorunVerdict {
  /** Every finding, entry file first; any finding refuses auto-run. */
  findings: Finding[];
  /** The entry file calls Sandbox.create. */
  usesSandbox: boolean;
}

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};
const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

async function classifyOne(
  language: "python" | "ts",
  text: string,
  file: string,
  abs: string,
  entryDir: string,
  imported: boolean,
): Promise<ClassifyResult> {
  const refuse = (offset: number, detail: string): ClassifyResult => ({
    findings: [
      {
        kind: "dynamic",
        location: { file, ...lineCol(text, offset) },
        detail,
        hint: "a local module compile cannot read is never run; fix it or record the script yourself and compile --from-recording",
      },
    ],
    usesSandbox: false,
    locals: [],
  });
  if (language === "python") {
    const { normalizeNewlines, parsePython } = await import("../frontends/python/parser.js");
    const source = normalizeNewlines(text);
    const deep = scanPythonNesting(source);
    if (deep) return refuse(deep.offset, deep.detail);
    const tree = await parsePython(source);
    if (tree.rootNode.hasError) return refuse(0, `${file} does not parse`);
    return classifyPythonTree(tree.rootNode, { file, text: source, abs, entryDir, imported, isFile, isDir });
  }
  const deep = scanJsNesting(text);
  if (deep) return refuse(deep.offset, deep.detail);
  const parsed = parseTypeScript(text, abs);
  if (parsed.errors.length > 0) return refuse(parsed.errors[0]!.start, `${file} does not parse`);
  return classifyTsTree(parsed.program, { file, text, abs, imported });
}

/**
 * Classifies an entry file (already read and parsed once by the frontend) and the local modules it
 * imports. `file` is the name used in messages, `abs` its absolute path.
 */
export async function classifyForAutorun(
  language: "python" | "ts",
  text: string,
  file: string,
  abs: string,
): Promise<AutorunVerdict> {
  const entryDir = path.dirname(abs);
  const display = (p: string) => path.join(path.dirname(file), path.relative(entryDir, p));
  const entry = await classifyOne(language, text, file, abs, entryDir, false);
  const findings = [...entry.findings];
  const seen = new Set<string>([abs]);
  const queue = [...entry.locals];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (seen.size > MAX_LOCAL_MODULES + 1) {
      findings.push({
        kind: "dynamic",
        location: { file },
        detail: `${file} imports more than ${MAX_LOCAL_MODULES} local modules; compile does not follow more`,
        hint: "record the script yourself (MVM_SDK_MODE=record MVM_SDK_OUT_PATH=rec.json <run the script>) and compile --from-recording rec.json",
      });
      break;
    }
    const shown = display(next);
    let body: string;
    try {
      if (statSync(next).size > MAX_DECLARATION_BYTES) throw new Error("too large");
      body = await readFile(next, "utf8");
    } catch (e) {
      findings.push({
        kind: "dynamic",
        location: { file: shown },
        detail: `cannot read the local module ${shown}: ${(e as Error).message}`,
        hint: "a local module compile cannot read is never run",
      });
      continue;
    }
    const lang = next.endsWith(".py") ? "python" : "ts";
    const r = await classifyOne(lang, body, shown, next, entryDir, true);
    findings.push(...r.findings);
    queue.push(...r.locals);
  }
  return { findings, usesSandbox: entry.usesSandbox };
}
