// Record mode: a script with no declaration that uses Sandbox is run ON THE HOST with
// MVM_SDK_MODE=record; the SDK writes what it did to MVM_SDK_OUT_PATH, which is then lowered.
// This is the one place compile runs user code, and only because the user gave such a script.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MvmError } from "@mvm/ir/errors";
import type { Reporter } from "../../lib/progress.js";
import { type CompileInput, MAX_RECORDING_BYTES } from "../input.js";
import { type ResolvedRunner, resolvePython, resolveTsRunner } from "./resolve-runner.js";

export const RECORD_TIMEOUT_MS = 60_000;
const OUTPUT_CAP = 1024 * 1024;

function runnerFor(input: CompileInput, cwd: string, env: NodeJS.ProcessEnv): ResolvedRunner {
  if (input.kind === "python") return resolvePython(env);
  if (input.kind === "typescript") return resolveTsRunner(cwd, env);
  return { command: process.execPath, args: [], source: "node" };
}

export interface RecordOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export async function runRecordScript(
  input: CompileInput,
  reporter: Reporter,
  opts: RecordOptions = {},
): Promise<CompileInput> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const runner = runnerFor(input, cwd, env);
  const script = path.resolve(cwd, input.file);
  reporter.warn(
    `${input.file} has no mvm.app declaration: running it ON THIS HOST in record mode (${runner.source}); only do this for scripts you trust`,
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), "mvm-record-"));
  const outPath = path.join(dir, "recording.json");
  const timeoutMs = opts.timeoutMs ?? (Number(env.MVM_RECORD_TIMEOUT_MS) || RECORD_TIMEOUT_MS);
  try {
    const { code, signal, stderr, timedOut } = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      stderr: string;
      timedOut: boolean;
    }>((resolve, reject) => {
      const child = spawn(runner.command, [...runner.args, script], {
        cwd,
        env: { ...env, MVM_SDK_MODE: "record", MVM_SDK_OUT_PATH: outPath },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let err = "";
      let timedOut = false;
      const keep = (b: Buffer) => {
        if (err.length < OUTPUT_CAP) err += b.toString("utf8").slice(0, OUTPUT_CAP - err.length);
      };
      child.stdout.on("data", () => {}); // drained and dropped: a recording goes to the file
      child.stderr.on("data", keep);
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
      }, timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(
          new MvmError("E_RECORD_SCRIPT_FAILED", `cannot start ${runner.command}: ${e.message}`, {
            cause: e,
          }),
        );
      });
      child.on("close", (c, s) => {
        clearTimeout(timer);
        resolve({ code: c, signal: s, stderr: err, timedOut });
      });
    });
    if (timedOut)
      throw new MvmError(
        "E_RECORD_TIMEOUT",
        `${input.file} did not finish within ${timeoutMs} ms in record mode`,
      );
    if (code !== 0) {
      const tail = stderr.trim().split("\n").slice(-10).join("\n");
      throw new MvmError(
        "E_RECORD_SCRIPT_FAILED",
        `${input.file} exited with ${signal ?? code} in record mode${tail ? `:\n${tail}` : ""}`,
      );
    }
    let size: number;
    try {
      size = (await stat(outPath)).size;
    } catch {
      throw new MvmError(
        "E_RECORD_NO_RECORDING",
        `${input.file} ran but wrote no recording (no Sandbox.create(...) happened)`,
      );
    }
    if (size > MAX_RECORDING_BYTES)
      throw new MvmError(
        "E_INPUT_TOO_LARGE",
        `the recording is ${size} bytes; the cap is ${MAX_RECORDING_BYTES}`,
      );
    const text = await readFile(outPath, "utf8");
    return { kind: "recording", file: `${input.file} (recording)`, baseDir: input.baseDir, text };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
