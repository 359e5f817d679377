// The static Python frontend: reads a declaration file with tree-sitter and returns the IR-shaped
// value it declares, without importing or running the file (spec §4).
import { diagnostic } from "@mvm/ir";
import type { FrontendResult } from "../types.js";
import { type Env, reporter } from "./calls.js";
import { Context } from "./context.js";
import { buildWorkload, findSites } from "./declaration.js";
import { grammarRuleErrors } from "./grammar-rules.js";
import { resolveImports } from "./imports.js";
import { layoutErrors } from "./indentation.js";
import { normalizeNewlines, parsePython, syntaxErrorNodes } from "./parser.js";

export async function extractPython(text: string, file: string): Promise<FrontendResult> {
  const source = normalizeNewlines(text);
  const tree = await parsePython(source);
  const root = tree.rootNode;
  const ctx = new Context(source, file);
  const env: Env = { ctx, bindings: resolveImports(root), report: reporter(ctx, () => root) };

  const syntax = syntaxErrorNodes(root);
  for (const n of syntax) {
    const what = n.isMissing ? `missing ${JSON.stringify(n.type)}` : "invalid syntax";
    ctx.error("E_SYNTAX", n, what);
  }
  // What tree-sitter accepts but CPython rejects; checked on a clean tree only, since the layout
  // check reads string and comment extents from it.
  if (syntax.length === 0) {
    for (const e of layoutErrors(source, root)) ctx.errorAt("E_SYNTAX", e.offset, e.message);
    for (const e of grammarRuleErrors(root)) ctx.error("E_SYNTAX", e.node, e.message);
  }
  if (ctx.diagnostics.length > 0) {
    // Declarations in a file that does not parse are not read: recovery could invent structure.
    const quiet = new Context(source, file);
    const sites = findSites({ ...env, ctx: quiet, report: reporter(quiet, () => root) }, root);
    return {
      diagnostics: ctx.diagnostics,
      hasDeclaration: sites.hasDeclaration,
      hasSandboxCreate: sites.hasSandboxCreate,
    };
  }

  const sites = findSites(env, root);
  const result: FrontendResult = {
    diagnostics: ctx.diagnostics,
    hasDeclaration: sites.hasDeclaration,
    hasSandboxCreate: sites.hasSandboxCreate,
  };
  if (sites.apps.length === 0) {
    // A Sandbox script without a declaration is compile's to record; anything else has nothing to read.
    if (!sites.hasDeclaration && !sites.hasSandboxCreate) {
      ctx.diagnostics.push(
        diagnostic(
          "E_NO_DECLARATION",
          undefined,
          `${file}: no @mvm.app(...) declaration bound to an mvm import`,
          {
            location: { file, line: 1, column: 1, lineText: source.split("\n")[0] ?? "" },
          },
        ),
      );
    }
    return result;
  }
  for (const extra of sites.apps.slice(1)) {
    ctx.error(
      "E_MULTIPLE_DECLARATIONS",
      extra.call,
      "a second @mvm.app(...) declaration",
      "declare one app per file (one app per workload in v0)",
    );
  }
  for (const extra of sites.workloads.slice(1)) {
    ctx.error(
      "E_MULTIPLE_DECLARATIONS",
      extra,
      "a second mvm.workload(...) call",
      "call mvm.workload(...) once per file",
    );
  }
  const { value, locate } = buildWorkload(env, sites.apps[0]!, sites.workloads[0]);
  // Report in reading order, whatever order the checks ran in.
  ctx.diagnostics.sort(
    (a, b) =>
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0),
  );
  if (value !== undefined && !ctx.diagnostics.some((d) => d.severity === "error")) {
    result.value = value;
    result.locate = locate;
  }
  return result;
}
