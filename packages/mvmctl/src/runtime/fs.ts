// `fs` verbs on a running instance's filesystem (guest paths are absolute).
import { openInstance } from "./agent/open-instance.js";
import type { AgentSession } from "./agent/session.js";

export interface FsEntry {
  name: string;
  type: string;
  size: number;
  mode: number;
  mtime_ms: number;
}

type Call = (op: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

async function withAgent<T>(
  home: string,
  name: string,
  f: (call: Call, agent: AgentSession) => Promise<T>,
): Promise<T> {
  const { agent } = await openInstance(home, name);
  try {
    return await f((op, args) => agent.fs(op, args), agent);
  } finally {
    agent.close();
  }
}

/**
 * Reads a whole file, in the agent's chunks; bounded by the size the guest claims and a maximum,
 * so a guest cannot keep the host reading (protocol/client.ts fsReadFile).
 */
export function fsRead(home: string, name: string, path: string): Promise<Buffer> {
  return withAgent(home, name, (_call, agent) => agent.readFile(path));
}

/** Writes a file in chunks below the frame limit (base64 grows data by 4/3). */
export function fsWrite(
  home: string,
  name: string,
  path: string,
  data: Buffer,
  o: { mode?: number; createParents?: boolean } = {},
): Promise<number> {
  const CHUNK = 512 * 1024;
  return withAgent(home, name, async (call) => {
    let written = 0;
    for (let off = 0; off === 0 || off < data.length; off += CHUNK) {
      const part = data.subarray(off, off + CHUNK);
      const r = await call("fs.write", {
        path,
        data_b64: part.toString("base64"),
        append: off > 0,
        ...(o.mode !== undefined ? { mode: o.mode } : {}),
        ...(o.createParents ? { create_parents: true } : {}),
      });
      written += Number(r.written ?? part.length);
      if (data.length === 0) break;
    }
    return written;
  });
}

export function fsList(
  home: string,
  name: string,
  path: string,
): Promise<{ entries: FsEntry[]; truncated: boolean }> {
  return withAgent(home, name, async (call) => {
    const r = await call("fs.list", { path });
    return { entries: (r.entries as FsEntry[]) ?? [], truncated: r.truncated === true };
  });
}

export function fsStat(home: string, name: string, path: string): Promise<Record<string, unknown>> {
  return withAgent(home, name, (call) => call("fs.stat", { path }));
}

export function fsMkdir(home: string, name: string, path: string, parents: boolean): Promise<void> {
  return withAgent(home, name, async (call) => {
    await call("fs.mkdir", { path, parents });
  });
}

export function fsRemove(home: string, name: string, path: string, recursive: boolean): Promise<void> {
  return withAgent(home, name, async (call) => {
    await call("fs.remove", { path, recursive });
  });
}

export function fsMove(home: string, name: string, from: string, to: string): Promise<void> {
  return withAgent(home, name, async (call) => {
    await call("fs.move", { from, to });
  });
}
