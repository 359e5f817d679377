// The compile server's wire format, shared with packages/mvmctl/native/client.c (ADR 0013).
// Integers are big-endian.
//   request  "MVMC" u32 version u32 body_len, body = u32 flags (1: stdout TTY, 2: stderr TTY)
//            u32 stdout_cols u32 stderr_cols u32 umask u32 argc u32 envc, then cwd, argv, environ
//            (argv without the program name, environ as NAME=value), each as u32 len + bytes
//   reply    frames of u8 type, u32 len, payload
// A request is untrusted bytes from a socket: every length is checked against what is left.

export const PROTO_VERSION = 1;
/** The client refuses to build a larger request; the server answers a larger one with "refused". */
export const MAX_REQUEST = 4 << 20;
/** Output chunks are split to this size; the client rejects larger frames. */
export const MAX_CHUNK = 64 << 10;
export const HEADER_BYTES = 12;

export const Frame = { stdout: 1, stderr: 2, exit: 3, refused: 4 } as const;

export interface CompileRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  umask: number;
  stdoutTty: boolean;
  stderrTty: boolean;
  stdoutColumns: number;
  stderrColumns: number;
}

export class ProtocolError extends Error {}

/** The body length announced by a 12-byte header, or a ProtocolError. */
export function bodyLength(header: Buffer): number {
  if (header.length < HEADER_BYTES || header.toString("latin1", 0, 4) !== "MVMC")
    throw new ProtocolError("not an mvmctl compile request");
  const version = header.readUInt32BE(4);
  if (version !== PROTO_VERSION)
    throw new ProtocolError(`protocol version ${version}, want ${PROTO_VERSION}`);
  const len = header.readUInt32BE(8);
  if (len > MAX_REQUEST) throw new ProtocolError(`request of ${len} bytes, the cap is ${MAX_REQUEST}`);
  return len;
}

/** Decodes a request body (after the header). Throws ProtocolError on anything malformed. */
export function decodeRequest(body: Buffer): CompileRequest {
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > body.length) throw new ProtocolError("truncated request");
    const v = body.readUInt32BE(at);
    at += 4;
    return v;
  };
  const str = (): string => {
    const len = u32();
    if (len > body.length - at) throw new ProtocolError("truncated request");
    const s = body.toString("utf8", at, at + len);
    at += len;
    return s;
  };
  const flags = u32();
  const stdoutColumns = u32();
  const stderrColumns = u32();
  const umask = u32();
  const argc = u32();
  const envc = u32();
  // Each string costs at least its 4-byte length: bounds the loops before they run.
  if (argc + envc > (body.length - at) / 4) throw new ProtocolError("truncated request");
  if (umask > 0o777) throw new ProtocolError("bad umask");
  const cwd = str();
  const argv = Array.from({ length: argc }, str);
  const env: Record<string, string> = {};
  for (let i = 0; i < envc; i++) {
    const entry = str();
    const eq = entry.indexOf("=");
    // Entries without a name or "=" cannot be set through process.env either.
    if (eq > 0) env[entry.slice(0, eq)] ??= entry.slice(eq + 1);
  }
  if (at !== body.length) throw new ProtocolError("trailing bytes in request");
  if (!cwd.startsWith("/")) throw new ProtocolError("cwd is not absolute");
  return {
    argv,
    cwd,
    env,
    umask,
    stdoutTty: (flags & 1) !== 0,
    stderrTty: (flags & 2) !== 0,
    stdoutColumns,
    stderrColumns,
  };
}

export function frame(type: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export function exitFrame(code: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(code >>> 0, 0);
  return frame(Frame.exit, b);
}

/** Splits output into frames of at most MAX_CHUNK bytes. */
export function outputFrames(type: number, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += MAX_CHUNK) out.push(frame(type, data.subarray(i, i + MAX_CHUNK)));
  return out;
}
