// Runs declaration checks in-process and turns the first problem into a thrown MvmError (the
// static route lists every problem; a running script stops at the first bad call).
import type { Report } from "@mvm/ir/declare";
import { type Diagnostic, MvmError } from "./errors.js";

export function collecting<T>(run: (report: Report) => T): T {
  const found: Diagnostic[] = [];
  const report: Report = (code, _at, detail, hint) => {
    found.push({ code, severity: "error", detail, ...(hint ? { hint } : {}) });
  };
  const out = run(report);
  const first = found[0];
  if (first)
    throw new MvmError(first.code, first.detail, {
      ...(first.hint ? { hint: first.hint } : {}),
      diagnostics: found,
    });
  return out;
}
