// The last lines of a guest console log, for error reports and `logs -n`.
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";

/** Up to `lines` final lines of the file, reading at most the last `maxBytes`. */
export async function tailLines(path: string, lines: number, maxBytes = 256 * 1024): Promise<string[]> {
  if (!existsSync(path) || lines <= 0) return [];
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const all = buf.toString("utf8").replace(/\r/g, "").split("\n");
    if (all.at(-1) === "") all.pop();
    if (start > 0) all.shift(); // a partial first line
    return all.slice(-lines);
  } finally {
    await fh.close();
  }
}

/** Bytes of the file from `offset` on (for "what did the guest print since X"). */
export async function readFrom(path: string, offset: number): Promise<string> {
  if (!existsSync(path)) return "";
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    if (size <= offset) return "";
    const buf = Buffer.alloc(size - offset);
    await fh.read(buf, 0, buf.length, offset);
    return buf.toString("utf8");
  } finally {
    await fh.close();
  }
}
