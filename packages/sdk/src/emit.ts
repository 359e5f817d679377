// emitJson(): validate the declaration with @mvm/ir and write the canonical IR to stdout.
// @mvm/ir (and zod) load here, lazily, so that guests (which import user modules with
// MVM_IN_GUEST=1 and never emit) only need mvm-sdk's own files.
import { pathToFileURL } from "node:url";
import { buildApp, buildWorkload } from "@mvm/ir/declare";
import { declared, scriptStem } from "./app.js";
import { collecting } from "./check.js";
import { type Diagnostic, MvmError } from "./errors.js";
import { LANGUAGE } from "./helpers.js";

/**
 * The name the wrapped function gets, as the static route sees it: the exported const holding it,
 * else the function's own name. The running script is imported again to read its exports; that
 * returns the same, already evaluated module, so nothing runs twice.
 */
async function functionName(fn: (...args: never[]) => unknown): Promise<string | undefined> {
  const main = process.argv[1];
  if (main) {
    try {
      const mod = (await import(pathToFileURL(main).href)) as Record<string, unknown>;
      const hit = Object.keys(mod).find((k) => k !== "default" && mod[k] === fn);
      if (hit) return hit;
    } catch {
      // Not importable as a module (a CommonJS entry, a REPL): fall back to fn.name.
    }
  }
  return fn.name || undefined;
}

/** The canonical IR of what this process declared; throws MvmError with every problem. */
export async function renderWorkload(): Promise<string> {
  if (declared.apps.length === 0) {
    throw new MvmError("E_NO_DECLARATION", "emitJson(): no app({...})(fn) was declared before this call");
  }
  if (declared.apps.length > 1)
    throw new MvmError(
      "E_MULTIPLE_DECLARATIONS",
      `emitJson(): ${declared.apps.length} apps were declared; declare one app per file`,
    );
  if (declared.workloadIds.length > 1)
    throw new MvmError("E_MULTIPLE_DECLARATIONS", "emitJson(): workload() was called more than once");
  const decl = declared.apps[0]!;
  const name = await functionName(decl.fn);
  const app = collecting((report) =>
    buildApp(
      decl.options,
      { module: scriptStem(), language: LANGUAGE, ...(name ? { functionName: name } : {}) },
      undefined,
      report,
      () => {},
    ),
  );
  if (!app) throw new MvmError("E_BAD_KWARG", "emitJson(): the declaration is not valid");
  if (app.name === undefined) {
    throw new MvmError("E_MISSING_KWARG", "app(): name is required when the wrapped function has no name", {
      hint: 'add name: "my-app", or export the const the app is assigned to',
    });
  }
  const ir = await import("@mvm/ir");
  const result = ir.validateWorkload(buildWorkload(app, declared.workloadIds[0]));
  if (!result.workload) {
    const errors = result.diagnostics.filter((d) => d.severity === "error") as Diagnostic[];
    const first = errors[0]!;
    throw new MvmError(first.code, `${first.path ?? "."}: ${first.detail}`, {
      ...(first.hint ? { hint: first.hint } : {}),
      diagnostics: result.diagnostics as Diagnostic[],
    });
  }
  return ir.workloadCanonicalJson(result.workload);
}

/**
 * Writes the canonical IR to stdout (no trailing newline). Does nothing in a guest
 * (MVM_IN_GUEST=1), where the runner imports the module only to call the function.
 * Problems go to stderr, one per line, and set a non-zero exit code.
 */
export async function emitJson(): Promise<void> {
  if (process.env.MVM_IN_GUEST === "1") return;
  try {
    process.stdout.write(await renderWorkload());
  } catch (e) {
    if (!(e instanceof MvmError)) throw e;
    const lines = e.diagnostics.length
      ? e.diagnostics.filter((d) => d.severity === "error")
      : [{ code: e.code, detail: e.message, hint: e.hint }];
    for (const d of lines)
      process.stderr.write(
        `error[${d.code}]: ${"path" in d && d.path ? `${d.path}: ` : ""}${d.detail}${d.hint ? `\n  hint: ${d.hint}` : ""}\n`,
      );
    process.exitCode = 1;
  }
}
