// From an input to a validated workload: pick the frontend, extract, validate. No output written.
import {
  type Diagnostic,
  errorsOf,
  MvmError,
  validateWorkload,
  validateWorkloadText,
  type Workload,
} from "@mvm/ir";
import type { FrontendResult } from "./frontends/types.js";
import type { CompileInput } from "./input.js";

export interface Analysis {
  workload?: Workload;
  diagnostics: Diagnostic[];
  /** Set when the input is a script to run in record mode (no declaration, uses Sandbox). */
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

export async function analyze(input: CompileInput): Promise<Analysis> {
  switch (input.kind) {
    case "ir":
      return { ...validateWorkloadText(input.text, input.file) };
    case "recording": {
      const { lowerRecordingText } = await import("@mvm/ir");
      return lowerRecordingText(input.text, input.file);
    }
    case "javascript":
      // Plain JavaScript is only ever a record-mode script (no static frontend for .js).
      return { diagnostics: [], recordMode: true };
    case "python":
    case "typescript": {
      const fr = await extract(input);
      if (
        !fr.hasDeclaration &&
        fr.hasSandboxCreate &&
        errorsOf(fr.diagnostics).every((d) => d.code === "E_NO_DECLARATION")
      ) {
        return { diagnostics: [], recordMode: true };
      }
      if (errorsOf(fr.diagnostics).length > 0 || fr.value === undefined) {
        return { diagnostics: withFile(fr.diagnostics, input.file) };
      }
      const v = validateWorkload(fr.value, fr.locate);
      const diagnostics = withFile([...fr.diagnostics, ...v.diagnostics], input.file);
      return v.workload ? { workload: v.workload, diagnostics } : { diagnostics };
    }
  }
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
