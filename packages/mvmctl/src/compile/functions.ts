// E_FUNCTION_NOT_FOUND and signatures: each function entrypoint's module must be in the bundle and
// define the function. The parsers read the module; nothing is imported or run.
import { readFile } from "node:fs/promises";
import { type App, type Diagnostic, diagnostic, lineCol } from "@mvm/ir";
import { scanJsNesting, scanPythonNesting } from "./nesting.js";
import type { FoundFunction, Param } from "./signature.js";
import type { SourceBundle } from "./source-bundle.js";

const NODE_EXTS = [".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs"];

/** Candidate bundle paths for a module name, in the order the guest runner would load them. */
export function moduleCandidates(language: string, module: string): string[] {
  if (language === "python") {
    const base = module.split(".").join("/");
    return [`${base}.py`, `${base}/__init__.py`];
  }
  const stripped = module.replace(/^\.\//, "").replace(/\.(ts|mts|cts|tsx|js|mjs|cjs)$/, "");
  return NODE_EXTS.map((ext) => `${stripped}${ext}`);
}

async function findFunction(
  language: string,
  text: string,
  file: string,
  fn: string,
): Promise<FoundFunction | undefined> {
  if (language === "python") {
    const { pythonFunctionSignature } = await import("./frontends/python/signature.js");
    return pythonFunctionSignature(text, fn);
  }
  const { typescriptFunctionSignature } = await import("./frontends/typescript/signature.js");
  return typescriptFunctionSignature(text, file, fn);
}

export interface FunctionCheck {
  diagnostics: Diagnostic[];
  /** function name -> params (null when found but not knowable statically). */
  signatures: Record<string, Param[] | null>;
}

export async function checkFunctions(app: App, bundle: SourceBundle, irBase: string): Promise<FunctionCheck> {
  const diagnostics: Diagnostic[] = [];
  const signatures: Record<string, Param[] | null> = {};
  const byPath = new Map(bundle.entries.filter((e) => e.type === "file").map((e) => [e.path, e]));
  for (const [i, e] of app.entrypoints.entries()) {
    if (e.kind !== "function") continue;
    const p = `${irBase}.entrypoints[${i}]`;
    const candidates = moduleCandidates(e.language, e.module);
    const hit = candidates.map((c) => byPath.get(c)).find((x) => x !== undefined);
    if (!hit) {
      diagnostics.push(
        diagnostic(
          "E_FUNCTION_NOT_FOUND",
          `${p}.module`,
          `module ${JSON.stringify(e.module)} is not in the bundled source (looked for ${candidates.slice(0, 3).join(", ")}${candidates.length > 3 ? ", ..." : ""})`,
        ),
      );
      continue;
    }
    const text = await readFile(hit.abs, "utf8");
    // The module is parsed next: too deep a file would crash oxc (SIGSEGV) or the tree walks.
    const scanned = e.language === "python" ? text.replace(/\r\n?/g, "\n") : text;
    const deep = e.language === "python" ? scanPythonNesting(scanned) : scanJsNesting(scanned);
    if (deep) {
      const lc = lineCol(scanned, deep.offset);
      diagnostics.push(
        diagnostic(
          "E_NESTING_TOO_DEEP",
          `${p}.module`,
          `${hit.path}:${lc.line}:${lc.column}: ${deep.detail}`,
          {
            location: { file: hit.abs, ...lc },
          },
        ),
      );
      continue;
    }
    const found = await findFunction(e.language, text, hit.abs, e.function);
    if (!found) {
      diagnostics.push(
        diagnostic(
          "E_FUNCTION_NOT_FOUND",
          `${p}.function`,
          `function ${JSON.stringify(e.function)} is not defined at module level in ${hit.path}`,
          { location: { file: hit.abs } },
        ),
      );
      continue;
    }
    signatures[e.function] = found.params;
  }
  return { diagnostics, signatures };
}
