// The one funnel that turns errors into text (stderr) or JSON (stdout with --json).
import { writeSync } from "node:fs";
import { type Diagnostic, isMvmError, type MvmError } from "@mvm/ir/errors";
import pc from "./colors.js";
import { ExitCode } from "./exit-codes.js";

function where(d: { location?: Diagnostic["location"] }): string {
  const l = d.location;
  if (!l) return "";
  return l.line ? `${l.file}:${l.line}:${l.column ?? 1}` : l.file;
}

function caret(d: Diagnostic): string {
  const l = d.location;
  if (!l?.lineText || !l.column) return "";
  const text = l.lineText.length > 160 ? `${l.lineText.slice(0, 160)}…` : l.lineText;
  return `  ${pc.dim("|")} ${text}\n  ${pc.dim("|")} ${" ".repeat(Math.max(0, l.column - 1))}${pc.red("^")}\n`;
}

/** Renders one diagnostic the way compile errors look everywhere in mvm. */
export function formatDiagnostic(d: Diagnostic): string {
  const label = d.severity === "warning" ? pc.yellow(`warning[${d.code}]`) : pc.red(`error[${d.code}]`);
  const loc = where(d);
  const path = d.path && d.path !== "." ? ` ${pc.dim(`(at ${d.path})`)}` : "";
  let s = `${label}: ${loc ? `${loc}: ` : ""}${d.detail}${path}\n`;
  s += caret(d);
  if (d.hint) s += `  ${pc.cyan("hint")}: ${d.hint}\n`;
  return s;
}

export function formatError(e: MvmError, debug = false): string {
  let s = "";
  if (e.diagnostics.length > 0) {
    s += e.diagnostics.map(formatDiagnostic).join("");
    s += `${pc.red(`error[${e.code}]`)}: ${e.message}\n`;
  } else {
    const loc = where(e);
    s += `${pc.red(`error[${e.code}]`)}: ${loc ? `${loc}: ` : ""}${e.message}\n`;
    if (e.hint) s += `${pc.cyan("hint")}: ${e.hint}\n`;
  }
  if (debug) {
    let cause: unknown = e.cause;
    while (cause) {
      s += pc.dim(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return s;
}

/**
 * The structured error channel for programs that run mvmctl (the SDKs' live mode): when
 * MVM_ERROR_FD names an open file descriptor, the error also goes there as one JSON line, so a
 * caller never has to read mvmctl's human stderr, which a command run by `exec` shares.
 */
export function writeErrorChannel(error: Record<string, unknown>): void {
  const raw = process.env.MVM_ERROR_FD;
  if (!raw || !/^[0-9]+$/.test(raw)) return;
  const fd = Number(raw);
  // 0-2 are the streams users read; writing JSON there would break the human output.
  if (fd < 3) return;
  try {
    writeSync(fd, `${JSON.stringify(error)}\n`);
  } catch {
    // A closed or foreign descriptor: the human output above still says what happened.
  }
}

/** Prints an error and sets the exit code. Never calls process.exit(). */
export function printTopLevelError(err: unknown, opts: { json?: boolean; debug?: boolean } = {}): void {
  if (isMvmError(err)) {
    writeErrorChannel(err.toJSON());
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: false, error: err.toJSON() })}\n`);
    else process.stderr.write(formatError(err, opts.debug));
    process.exitCode = err.exitCode;
    return;
  }
  const msg = err instanceof Error ? (opts.debug ? (err.stack ?? err.message) : err.message) : String(err);
  writeErrorChannel({ code: "E_INTERNAL", message: msg });
  if (opts.json)
    process.stdout.write(`${JSON.stringify({ ok: false, error: { code: "E_INTERNAL", message: msg } })}\n`);
  else
    process.stderr.write(
      `${pc.red("error[E_INTERNAL]")}: ${msg}\n${pc.cyan("hint")}: rerun with --debug and report the output\n`,
    );
  process.exitCode = ExitCode.Error;
}
