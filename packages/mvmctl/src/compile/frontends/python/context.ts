// Shared state of one extraction: the source, the diagnostics collected so far, and how to point at
// a node. Every problem is collected; nothing stops at the first one.
import { type Diagnostic, diagnostic, type ErrorCode, type Location, lineCol } from "@mvm/ir";
import type { Node } from "./parser.js";

export class Context {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  location(node: Node): Location {
    return { file: this.file, ...lineCol(this.text, node.startIndex) };
  }

  /** Records an error at `node`; the detail quotes the snippet so the user sees what was read. */
  error(code: ErrorCode, node: Node, message: string, hint?: string): void {
    this.diagnostics.push(
      diagnostic(code, undefined, `${message}: ${snippet(node)}`, {
        location: this.location(node),
        ...(hint ? { hint } : {}),
      }),
    );
  }

  /** Records an error at a source offset (a layout error has a line, not a node). */
  errorAt(code: ErrorCode, offset: number, message: string): void {
    this.diagnostics.push(
      diagnostic(code, undefined, message, { location: { file: this.file, ...lineCol(this.text, offset) } }),
    );
  }
}

/** The node's source, on one line and short enough for a message. */
export function snippet(node: Node): string {
  const flat = node.text.replace(/\s*\n\s*/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
