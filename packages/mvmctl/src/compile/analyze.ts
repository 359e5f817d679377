// From an input to a validated workload: pick the frontend, extract, validate. No output written.
import path from "node:path";
import {
  type Diagnostic,
  diagnostic,
  errorsOf,
  lineCol,
  MvmError,
  validateWorkload,
  validateWorkloadText,
  type Workload,
} from "@mvm/ir";
import type { FrontendResult } from "./frontends/types.js";
import type { CompileInput } from "./input.js";
import { scanJsNesting, scanPythonNesting } from "./nesting.js";

export interface Analysis {
  workload?: Workload;
  diagnostics: Diagnostic[];
  /**
   * Set when the input is a script to run in record mode: the frontend found no declaration, the
   * auto-run classifier found no use of the declaration API in any form (record/classify.ts), and
   * the file calls Sandbox.create.
   */
  recordMode?: boolean;
}

async function extract(input: CompileInput): Promise<FrontendResult> {
  if (input.kind === "python") {
    const { extractPython } = await import("./frontends/python/index.js");
    return extractPython(input.text, input.file);
  }
  const { extractTypeScript } = await import("./frontends/typescript/index.js");
  return extractTypeScript(input.text, input.file);
}

/** Every diagnostic gets at least the input file as its location. */
function withFile(ds: Diagnostic[], file: string): Diagnostic[] {
  return ds.map((d) => (d.location ? d : { ...d, location: { file } }));
}

/** E_NESTING_TOO_DEEP before any parser sees the text (oxc overflows its native stack on it). */
function nestingError(input: CompileInput): Diagnostic | undefined {
  // Python's newlines are normalised the way the Python frontend does, so line:col agree.
  const text = input.kind === "python" ? input.text.replace(/\r\n?/g, "\n") : input.text;
  const deep = input.kind === "python" ? scanPythonNesting(text) : scanJsNesting(text);
  if (!deep) return undefined;
  const lc = lineCol(text, deep.offset);
  return diagnostic(
    "E_NESTING_TOO_DEEP",
    undefined,
    `${input.file}:${lc.line}:${lc.column}: ${deep.detail}`,
    {
      location: { file: input.file, ...lc },
    },
  );
}

export async function analyze(input: CompileInput): Promise<Analysis> {
  switch (input.kind) {
    case "ir":
      return { ...validateWorkloadText(input.text, input.file) };
    case "recording": {
      const { lowerRecordingText } = await import("@mvm/ir");
      return lowerRecordingText(input.text, input.file);
    }
    case "python":
    case "typescript":
    case "javascript": {
      // JavaScript goes through the same oxc frontend: a .js/.mjs/.cjs file that declares is read
      // statically like a .ts one, and is never run.
      const deep = nestingError(input);
      if (deep) return { diagnostics: [deep] };
      const fr = await extract(input);
      const errors = errorsOf(fr.diagnostics);
      if (!fr.hasDeclaration && errors.every((d) => d.code === "E_NO_DECLARATION")) {
        return autorunOrRefuse(input, fr);
      }
      if (errors.length > 0 || fr.value === undefined) {
        return { diagnostics: withFile(fr.diagnostics, input.file) };
      }
      const v = validateWorkload(fr.value, fr.locate);
      const diagnostics = withFile([...fr.diagnostics, ...v.diagnostics], input.file);
      return v.workload ? { workload: v.workload, diagnostics } : { diagnostics };
    }
  }
}

/**
 * No declaration was recognised. Record mode only when the classifier proves the file (and its
 * local imports) never touch the declaration API and the file calls Sandbox.create; a file that
 * reaches the declaration API in a form the frontend does not read is E_DECLARATION_UNRECOGNISED.
 */
async function autorunOrRefuse(input: CompileInput, fr: FrontendResult): Promise<Analysis> {
  const { classifyForAutorun } = await import("./record/classify.js");
  const abs = path.join(input.baseDir, path.basename(input.file));
  const verdict = await classifyForAutorun(
    input.kind === "python" ? "python" : "ts",
    input.text,
    input.file,
    abs,
  );
  const declares = verdict.findings.filter((f) => f.kind === "declaration");
  // A finding in a file that mentions mvm or Sandbox at all is reported as such; in a file that
  // never does (a plain module using getattr, say) "no declaration" is the better answer.
  const mentionsMvm = /mvm|sandbox/i.test(input.text.normalize("NFKC"));
  const refused = declares.length > 0 || verdict.usesSandbox || mentionsMvm ? verdict.findings : [];
  if (refused.length > 0) {
    return {
      diagnostics: refused.map((f) =>
        diagnostic(
          "E_DECLARATION_UNRECOGNISED",
          undefined,
          `${f.location.file}${f.location.line ? `:${f.location.line}:${f.location.column}` : ""}: ${f.detail}`,
          { location: f.location, hint: f.hint },
        ),
      ),
    };
  }
  if (verdict.usesSandbox) return { diagnostics: [], recordMode: true };
  const none = fr.diagnostics.filter((d) => d.code === "E_NO_DECLARATION");
  return {
    diagnostics: withFile(
      none.length > 0
        ? none
        : [
            diagnostic(
              "E_NO_DECLARATION",
              undefined,
              `${input.file}: no mvm.app declaration and no Sandbox.create(...) call`,
            ),
          ],
      input.file,
    ),
  };
}

/** Throws one MvmError carrying every error diagnostic. */
export function failOnErrors(diagnostics: Diagnostic[], what: string): void {
  const errors = errorsOf(diagnostics);
  if (errors.length === 0) return;
  const first = errors[0]!;
  throw new MvmError(
    first.code,
    errors.length === 1 ? `${what} failed` : `${what} failed with ${errors.length} errors`,
    {
      diagnostics,
    },
  );
}
