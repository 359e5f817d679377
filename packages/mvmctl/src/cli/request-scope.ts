// Makes the compile server's process look, for the length of one request, like the process the
// user started: its environment, cwd, umask, argv, stdout/stderr (as frames to the client, with
// the client's TTY facts) and an exit that ends the request instead of the server (ADR 0013).
// Everything is put back afterwards, so one request never sees another's state.
import tty from "node:tty";
import { ExitRequest } from "./exit-request.js";
import type { CompileRequest } from "./serve-protocol.js";

type Write = (
  chunk: string | Uint8Array,
  encoding?: BufferEncoding | ((e?: Error | null) => void),
  cb?: (e?: Error | null) => void,
) => boolean;

// The own properties patched on process.stdout/stderr; their old descriptors are put back.
const STREAM_KEYS = ["write", "isTTY", "columns", "hasColors", "getColorDepth"] as const;

/** Replaces the real environment (setenv/unsetenv under process.env) with `next`. */
function replaceEnv(next: Record<string, string>): void {
  for (const k of Object.keys(process.env)) if (!Object.hasOwn(next, k)) delete process.env[k];
  for (const [k, v] of Object.entries(next)) if (process.env[k] !== v) process.env[k] = v;
}

function patchStream(
  stream: NodeJS.WriteStream,
  sink: (data: Buffer) => void,
  isTTY: boolean,
  columns: number,
): () => void {
  const saved = STREAM_KEYS.map((k) => [k, Object.getOwnPropertyDescriptor(stream, k)] as const);
  const write: Write = (chunk, encoding, cb) => {
    const enc = typeof encoding === "string" ? encoding : "utf8";
    sink(typeof chunk === "string" ? Buffer.from(chunk, enc) : Buffer.from(chunk));
    const done = typeof encoding === "function" ? encoding : cb;
    if (done) process.nextTick(done, null);
    return true;
  };
  const define = (k: string, value: unknown) =>
    Object.defineProperty(stream, k, { value, writable: true, configurable: true, enumerable: false });
  define("write", write);
  define("isTTY", isTTY ? true : undefined);
  define("columns", isTTY && columns > 0 ? columns : undefined);
  // A TTY's colour depth depends on the environment only (TERM, COLORTERM, ...), not the device.
  define("hasColors", isTTY ? tty.WriteStream.prototype.hasColors : undefined);
  define("getColorDepth", isTTY ? tty.WriteStream.prototype.getColorDepth : undefined);
  return () => {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(stream, k, d);
      else delete (stream as unknown as Record<string, unknown>)[k];
    }
  };
}

export interface Scope {
  /** The exit code the request ended with: process.exit's, else process.exitCode, else 0. */
  exitCode(thrown?: unknown): number;
  restore(): void;
}

/**
 * Enters a request. `out` receives stdout (1) and stderr (2) bytes in the order they were written.
 * Throws (before changing anything but what it restores itself) if the cwd cannot be entered.
 */
export function enterRequest(
  req: CompileRequest,
  binPath: string,
  out: (fd: 1 | 2, data: Buffer) => void,
): Scope {
  const env = { ...process.env } as Record<string, string>;
  const cwd = process.cwd();
  const argv = process.argv;
  const exit = process.exit;
  process.chdir(req.cwd);
  const umask = process.umask(req.umask);
  replaceEnv(req.env);
  process.argv = [process.argv[0] ?? process.execPath, binPath, ...req.argv];
  process.exitCode = undefined;
  const restoreOut = patchStream(process.stdout, (d) => out(1, d), req.stdoutTty, req.stdoutColumns);
  const restoreErr = patchStream(process.stderr, (d) => out(2, d), req.stderrTty, req.stderrColumns);
  process.exit = ((code?: number | string | null) => {
    throw new ExitRequest(Number(code ?? process.exitCode ?? 0) | 0);
  }) as typeof process.exit;
  return {
    exitCode(thrown) {
      if (thrown instanceof ExitRequest) return thrown.code;
      return Number(process.exitCode ?? 0) | 0;
    },
    restore() {
      process.exit = exit;
      restoreErr();
      restoreOut();
      process.argv = argv;
      process.exitCode = undefined;
      replaceEnv(env);
      process.umask(umask);
      process.chdir(cwd);
    },
  };
}
