// Wire framing of the guest agent protocol (docs/protocol.md): a 4-byte big-endian length N,
// then N bytes of UTF-8 JSON. N is capped at 1 MiB both ways; a decoder that sees a larger
// length fails before buffering any of the body.

export const MAX_FRAME_BYTES = 1 << 20;

export class FrameTooLargeError extends Error {
  constructor(readonly length: number) {
    super(`frame of ${length} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
    this.name = "FrameTooLargeError";
  }
}

/** Encodes one message. Throws FrameTooLargeError instead of sending what the agent must reject. */
export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  if (body.length > MAX_FRAME_BYTES) throw new FrameTooLargeError(body.length);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Encodes a raw body with an arbitrary declared length (tests of the agent's limits). */
export function encodeRawFrame(body: Buffer, declaredLength = body.length): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(declaredLength >>> 0, 0);
  return Buffer.concat([head, body]);
}

/**
 * Incremental decoder: push() chunks as they arrive, get back complete frame bodies.
 * Holds at most one partial frame; chunks are kept as a list so a frame split across many
 * small reads is joined once, not re-concatenated per chunk.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1; // body length of the current frame, -1 while reading the header

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const head = this.take(4);
        const len = head.readUInt32BE(0);
        if (len > MAX_FRAME_BYTES) throw new FrameTooLargeError(len);
        this.need = len;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  /** Bytes held that do not yet form a frame. */
  get pending(): number {
    return this.buffered;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}
