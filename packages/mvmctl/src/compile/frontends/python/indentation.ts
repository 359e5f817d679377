// CPython's layout rules, checked on the source lines. tree-sitter-python's external scanner is
// lenient where CPython's tokenizer is not: it accepts a body that is not indented, an unindent to
// no outer level, an indent nothing opened, and tabs and spaces mixed so that the meaning depends
// on the tab size (TabError). This repeats the tokenizer's INDENT/DEDENT bookkeeping
// (Parser/tokenizer.c: columns at tab size 8 and at tab size 1 must agree) over logical lines.
// String and comment extents come from the tree, so it runs only on a tree without ERROR nodes.
import type { Node } from "./parser.js";

export interface LayoutError {
  /** Offset into the source of the offending line's first character (or the end of the file). */
  offset: number;
  message: string;
}

/** [start, end) extents of every string and comment: no bracket, colon or newline in them counts. */
function opaqueRanges(root: Node): [number, number][] {
  const out: [number, number][] = [];
  const visit = (n: Node): void => {
    if (n.type === "string" || n.type === "comment") {
      out.push([n.startIndex, n.endIndex]);
      return;
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  return out.sort((a, b) => a[0] - b[0]);
}

interface Level {
  col: number;
  alt: number;
}

export function layoutErrors(source: string, root: Node): LayoutError[] {
  const ranges = opaqueRanges(root);
  let r = 0; // the next range that may contain the scan position
  /** The end of the opaque range containing i, or -1. */
  const opaqueEnd = (i: number): number => {
    while (r < ranges.length && ranges[r]![1] <= i) r++;
    const cur = ranges[r];
    return cur && cur[0] <= i ? cur[1] : -1;
  };

  const stack: Level[] = [{ col: 0, alt: 0 }];
  let depth = 0; // open brackets: newlines inside them do not end a logical line
  let blockOpened = false; // the last logical line ended with ':' (a block must follow)
  let i = 0;
  const n = source.length;
  while (i < n) {
    // Start of a logical line: measure its indentation.
    let col = 0;
    let alt = 0;
    for (; i < n; i++) {
      const ch = source[i];
      if (ch === " ") {
        col++;
        alt++;
      } else if (ch === "\t") {
        col = (Math.floor(col / 8) + 1) * 8;
        alt++;
      } else if (ch === "\f") {
        col = 0;
        alt = 0;
      } else break;
    }
    // Blank and comment-only lines do not take part in indentation.
    if (i >= n || source[i] === "\n" || source[i] === "#") {
      const end = source.indexOf("\n", i);
      i = end === -1 ? n : end + 1;
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (col > top.col) {
      if (alt <= top.alt)
        return [{ offset: i, message: "TabError: inconsistent use of tabs and spaces in indentation" }];
      if (!blockOpened) return [{ offset: i, message: "IndentationError: unexpected indent" }];
      stack.push({ col, alt });
    } else {
      if (blockOpened) return [{ offset: i, message: "IndentationError: expected an indented block" }];
      while (stack.length > 1 && col < stack[stack.length - 1]!.col) stack.pop();
      const now = stack[stack.length - 1]!;
      if (col !== now.col) {
        return [
          { offset: i, message: "IndentationError: unindent does not match any outer indentation level" },
        ];
      }
      if (alt !== now.alt)
        return [{ offset: i, message: "TabError: inconsistent use of tabs and spaces in indentation" }];
    }
    // The rest of the logical line: brackets, continuations, and whether it ends with ':'.
    let last = "";
    for (; i < n; i++) {
      const end = opaqueEnd(i);
      if (end !== -1) {
        // A comment is not significant; a string is (a line ending in a string does not open a block).
        if (source[i] !== "#") last = '"';
        i = end - 1;
        continue;
      }
      const ch = source[i]!;
      if (ch === "\\" && source[i + 1] === "\n") {
        i++;
        continue;
      }
      if (ch === "\n") {
        if (depth === 0) break;
        continue;
      }
      if (ch === "(" || ch === "[" || ch === "{") depth++;
      else if (ch === ")" || ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
      if (ch !== " " && ch !== "\t" && ch !== "\f") last = ch;
    }
    i++; // past the newline
    blockOpened = last === ":";
  }
  if (blockOpened) return [{ offset: n, message: "IndentationError: expected an indented block" }];
  return [];
}
