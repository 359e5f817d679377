// Reading compile inputs at the boundary: decide the kind, cap the size, keep the file name for
// error locations.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { MvmError } from "@mvm/ir/errors";

export const MAX_DECLARATION_BYTES = 4 * 1024 * 1024;
export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

export type InputKind = "python" | "typescript" | "javascript" | "ir" | "recording";

export interface CompileInput {
  kind: InputKind;
  /** The name used in messages: the path as given, or "<stdin>". */
  file: string;
  /** The directory that relative source paths resolve against. */
  baseDir: string;
  text: string;
}

const TS_EXT = new Set([".ts", ".mts", ".cts", ".tsx"]);
const JS_EXT = new Set([".js", ".mjs", ".cjs"]);

export function kindOfPath(file: string): InputKind | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".py") return "python";
  if (TS_EXT.has(ext)) return "typescript";
  if (JS_EXT.has(ext)) return "javascript";
  if (ext === ".json") return "ir";
  return undefined;
}

async function readCapped(file: string, cap: number): Promise<string> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new MvmError("E_INPUT_NOT_FOUND", `${file} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof MvmError) throw e;
    throw new MvmError(
      "E_INPUT_NOT_FOUND",
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { cause: e },
    );
  }
  if (size > cap)
    throw new MvmError("E_INPUT_TOO_LARGE", `${file} is ${size} bytes; the cap is ${cap} bytes`);
  return readFile(file, "utf8");
}

export async function readStdin(cap: number, stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += b.length;
    if (total > cap) throw new MvmError("E_INPUT_TOO_LARGE", `stdin is over the cap of ${cap} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface InputRequest {
  entry?: string;
  fromIr?: string;
  fromRecording?: string;
  cwd: string;
}

/** Resolves what the user passed into one input. Exactly one source must be named. */
export async function readCompileInput(req: InputRequest): Promise<CompileInput> {
  const named = [req.entry, req.fromIr, req.fromRecording].filter((x) => x !== undefined);
  if (named.length !== 1) {
    throw new MvmError(
      "E_USAGE",
      named.length === 0 ? "nothing to compile" : "give one input: <entry>, --from-ir or --from-recording",
      {
        hint: "mvmctl compile app.py | mvmctl compile --from-ir workload.json | mvmctl compile --from-recording rec.json | cat w.json | mvmctl compile -",
      },
    );
  }
  if (req.entry === "-" || req.fromIr === "-" || req.fromRecording === "-") {
    const kind: InputKind = req.fromRecording ? "recording" : "ir";
    const text = await readStdin(kind === "recording" ? MAX_RECORDING_BYTES : MAX_DECLARATION_BYTES);
    return { kind, file: "<stdin>", baseDir: req.cwd, text };
  }
  const given = (req.entry ?? req.fromIr ?? req.fromRecording)!;
  const abs = path.resolve(req.cwd, given);
  let kind: InputKind | undefined;
  if (req.fromIr) kind = "ir";
  else if (req.fromRecording) kind = "recording";
  else kind = kindOfPath(abs);
  if (!kind) {
    throw new MvmError(
      "E_INPUT_KIND_UNKNOWN",
      `cannot tell what kind of input ${given} is (extension ${JSON.stringify(path.extname(given))})`,
    );
  }
  const text = await readCapped(abs, kind === "recording" ? MAX_RECORDING_BYTES : MAX_DECLARATION_BYTES);
  return { kind, file: given, baseDir: path.dirname(abs), text };
}
