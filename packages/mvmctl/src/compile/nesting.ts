// Nesting caps, checked on the source text BEFORE any parser sees it. oxc is a recursive-descent
// parser in native code: 20,000 nested `[`, `(`, `a ? b :`, `x = x =`, `new new`, `A<A<` ...
// overflow its stack and kill the process with SIGSEGV; tree-sitter survives, but the trees it
// returns are then walked by recursive code. So a cheap token-level scan runs first and refuses
// what no declaration or Sandbox script needs, with E_NESTING_TOO_DEEP and the offset of the token
// past the cap.
//
// Two measures, both upper bounds of the parse tree's depth:
//   - bracket depth: ( [ { and template `${` / f-string `{` (Python also counts indentation levels);
//   - chain length: the tokens of the expression being read at each open bracket level, summed over
//     the levels (plus the bracket depth). A separator (`,` `;`, a statement boundary) resets its
//     level. Each tree level needs at least one token, so `!!!!x`, `a+a+a`, `.b.b.b`, `a?b:a?b:`,
//     `if (a) if (a)`, `<a><a>` are all bounded by it.
// The scans over-count (every punctuator character is a token); they never under-count brackets.

export const MAX_BRACKET_DEPTH = 256;
export const MAX_CHAIN_TOKENS = 4000;

export interface TooDeep {
  /** UTF-16 offset of the first token past the cap. */
  offset: number;
  detail: string;
}

interface Level {
  /** The opening token: ( [ { or "${" (template) or "f{" (f-string replacement field). */
  open: string;
  run: number;
}

class Counter {
  readonly stack: Level[] = [{ open: "", run: 0 }];
  total = 0;
  constructor(private readonly maxDepth: number) {}
  get depth(): number {
    return this.stack.length - 1;
  }
  get top(): Level {
    return this.stack[this.stack.length - 1]!;
  }
  token(offset: number): TooDeep | undefined {
    this.top.run++;
    this.total++;
    if (this.total > MAX_CHAIN_TOKENS)
      return {
        offset,
        detail: `an expression chains more than ${MAX_CHAIN_TOKENS} tokens without a separator (nested operators, calls or members)`,
      };
    return undefined;
  }
  reset(): void {
    this.total -= this.top.run;
    this.top.run = 0;
  }
  push(open: string, offset: number): TooDeep | undefined {
    const tooLong = this.token(offset);
    if (tooLong) return tooLong;
    this.stack.push({ open, run: 0 });
    this.total++;
    if (this.depth > this.maxDepth)
      return { offset, detail: `brackets nest deeper than ${this.maxDepth} levels` };
    return undefined;
  }
  /** Pops one level; the closed group counted as one token in its parent when it was opened. */
  pop(): Level | undefined {
    if (this.stack.length === 1) return undefined;
    const l = this.stack.pop()!;
    this.total -= l.run + 1;
    return l;
  }
}

const ID_START = /[A-Za-z_$\u0080-\uffff\\]/;
const ID_PART = /[A-Za-z0-9_$\u0080-\uffff\\]/;
/** Keywords after which `/` starts a regular expression and that keep an expression going. */
const JS_OPERATOR_WORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
  "as",
  "satisfies",
  "keyof",
  "extends",
]);

/** JavaScript and TypeScript (and JSX, well enough). */
export function scanJsNesting(text: string, maxDepth = MAX_BRACKET_DEPTH): TooDeep | undefined {
  const c = new Counter(maxDepth);
  /** What the last token was: a value (a `/` after it divides) or an operator. */
  let prevValue = false;
  let newline = false;
  let i = 0;
  const n = text.length;
  /** Scans template text from i (just after ` or a closing } of ${); returns after ` or ${. */
  const template = (): TooDeep | undefined => {
    while (i < n) {
      const ch = text[i]!;
      if (ch === "\\") i += 2;
      else if (ch === "`") {
        i++;
        prevValue = true;
        return undefined;
      } else if (ch === "$" && text[i + 1] === "{") {
        const at = i;
        i += 2;
        prevValue = false;
        return c.push("${", at);
      } else i++;
    }
    return undefined;
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === "\n" || ch === "\u2028" || ch === "\u2029") {
      newline = true;
      i++;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f" || ch === "\v" || ch === "\ufeff") {
      i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      if (text.slice(i, stop).includes("\n")) newline = true;
      i = stop;
      continue;
    }
    // A statement boundary by ASI: a value, a line break, then something that starts a statement.
    const startsStatement = ID_START.test(ch) || /[0-9'"{@#]/.test(ch);
    if (newline && prevValue && startsStatement) {
      const word = ID_START.test(ch) ? /^[A-Za-z_$]+/.exec(text.slice(i, i + 12))?.[0] : undefined;
      if (!word || !JS_OPERATOR_WORDS.has(word)) c.reset();
    }
    newline = false;
    const at = i;
    if (ch === "'" || ch === '"') {
      i++;
      while (i < n && text[i] !== ch && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      i++;
      prevValue = true;
      const e = c.token(at);
      if (e) return e;
      continue;
    }
    if (ch === "`") {
      i++;
      const e = c.token(at) ?? template();
      if (e) return e;
      continue;
    }
    if (ID_START.test(ch) || /[0-9]/.test(ch)) {
      while (i < n && ID_PART.test(text[i]!)) i += text[i] === "\\" ? 2 : 1;
      prevValue = !JS_OPERATOR_WORDS.has(text.slice(at, i));
      const e = c.token(at);
      if (e) return e;
      continue;
    }
    if (ch === "/" && !prevValue) {
      // A regular expression literal: to the closing / outside a class, on one line.
      i++;
      let cls = false;
      while (i < n && text[i] !== "\n") {
        const r = text[i]!;
        if (r === "\\") i += 2;
        else {
          i++;
          if (r === "[") cls = true;
          else if (r === "]") cls = false;
          else if (r === "/" && !cls) break;
        }
      }
      while (i < n && ID_PART.test(text[i]!)) i++;
      prevValue = true;
      const e = c.token(at);
      if (e) return e;
      continue;
    }
    i++;
    if (ch === "(" || ch === "[" || ch === "{") {
      prevValue = false;
      const e = c.push(ch, at);
      if (e) return e;
      continue;
    }
    if (ch === ")" || ch === "]" || ch === "}") {
      const closed = c.pop();
      prevValue = true;
      if (closed?.open === "${") {
        const e = template();
        if (e) return e;
      }
      continue;
    }
    if (ch === "," || ch === ";") {
      c.reset();
      prevValue = false;
      continue;
    }
    prevValue = false;
    const e = c.token(at);
    if (e) return e;
  }
  return undefined;
}

const PY_STRING_PREFIX = /^(?:[rRbBuUfFtT]{1,2})?(?:'''|"""|'|")/;

/** Python (newlines already normalised to \n). Also caps indentation levels. */
export function scanPythonNesting(text: string, maxDepth = MAX_BRACKET_DEPTH): TooDeep | undefined {
  const c = new Counter(maxDepth);
  const indents: number[] = [0];
  let i = 0;
  const n = text.length;
  let lineStart = true;
  /** Open f-strings: their quote, and the bracket depth at which their replacement field began. */
  const fstrings: { quote: string; depth: number }[] = [];
  /** Scans string text from i; returns at the end of the string or at a `{` of an f-string. */
  const stringBody = (quote: string, f: boolean, raw: boolean): TooDeep | undefined => {
    while (i < n) {
      if (text.startsWith(quote, i)) {
        i += quote.length;
        return undefined;
      }
      const ch = text[i]!;
      if (ch === "\n" && quote.length === 1) return undefined; // unterminated: the parser reports it
      if (ch === "\\" && !raw) i += 2;
      else if (f && ch === "{" && text[i + 1] === "{") i += 2;
      else if (f && ch === "{") {
        const at = i;
        i++;
        fstrings.push({ quote, depth: c.depth + 1 });
        return c.push("f{", at);
      } else i++;
    }
    return undefined;
  };
  while (i < n) {
    if (lineStart && c.depth === 0) {
      // Indentation of a logical line (blank and comment-only lines do not count).
      let w = 0;
      let j = i;
      while (j < n && (text[j] === " " || text[j] === "\t" || text[j] === "\f")) {
        w = text[j] === "\t" ? (Math.floor(w / 8) + 1) * 8 : w + 1;
        j++;
      }
      i = j;
      lineStart = false;
      if (j < n && text[j] !== "\n" && text[j] !== "#" && !(text[j] === "\\" && text[j + 1] === "\n")) {
        while (w < indents[indents.length - 1]!) indents.pop();
        if (w > indents[indents.length - 1]!) {
          indents.push(w);
          if (indents.length - 1 > maxDepth)
            return { offset: j, detail: `blocks nest deeper than ${maxDepth} indentation levels` };
        }
      }
      continue;
    }
    const ch = text[i]!;
    if (ch === "\n") {
      i++;
      if (c.depth === 0) {
        c.reset();
        lineStart = true;
      }
      continue;
    }
    if (ch === "\\" && text[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\f" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    const at = i;
    const str = PY_STRING_PREFIX.exec(text.slice(i, i + 5));
    if (str) {
      const prefix = str[0].replace(/['"]+$/, "").toLowerCase();
      const quote = str[0].slice(prefix.length);
      i += str[0].length;
      const e = c.token(at) ?? stringBody(quote, /[ft]/.test(prefix), prefix.includes("r"));
      if (e) return e;
      continue;
    }
    if (ID_START.test(ch) || /[0-9]/.test(ch)) {
      while (i < n && ID_PART.test(text[i]!) && text[i] !== "\\") i++;
      if (i === at) i++;
      const e = c.token(at);
      if (e) return e;
      continue;
    }
    i++;
    if (ch === "(" || ch === "[" || ch === "{") {
      const e = c.push(ch, at);
      if (e) return e;
      continue;
    }
    if (ch === ")" || ch === "]" || ch === "}") {
      const closed = c.pop();
      const f = fstrings[fstrings.length - 1];
      if (closed?.open === "f{" && f && f.depth === c.depth + 1) {
        fstrings.pop();
        const e = stringBody(f.quote, true, false);
        if (e) return e;
      }
      continue;
    }
    if (ch === "," || ch === ";") {
      c.reset();
      continue;
    }
    const e = c.token(at);
    if (e) return e;
  }
  return undefined;
}
