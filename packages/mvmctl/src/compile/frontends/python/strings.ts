// Python string literals decoded exactly as CPython's tokenizer does, so the static route gives the
// same bytes as the in-process route (`python3 app.py`). Only str literals are values here: bytes,
// f-strings and t-strings are not literal data (spec §4) and are rejected by the caller.

export interface StringPrefix {
  raw: boolean;
  bytes: boolean;
  formatted: boolean;
}

/** Reads the prefix letters in front of the opening quote (r, u, b, f, t in any case and order). */
export function parsePrefix(prefix: string): StringPrefix {
  const p = prefix.toLowerCase();
  return { raw: p.includes("r"), bytes: p.includes("b"), formatted: p.includes("f") || p.includes("t") };
}

/** A problem inside a literal, at an offset relative to the decoded body. */
export interface EscapeProblem {
  offset: number;
  kind: "syntax" | "named" | "surrogate";
  message: string;
}

const SIMPLE: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

const HEX = /^[0-9a-fA-F]+$/;

/**
 * Decodes the body of a non-raw str literal. Unknown escapes keep their backslash (CPython warns
 * but keeps them). \N{...} needs the Unicode name database, which the compiler does not carry; it
 * is reported rather than guessed. Escapes that produce a lone surrogate are reported because the
 * canonical IR is UTF-8 and Python cannot encode them either.
 */
export function decodeEscapes(body: string): { value: string; problems: EscapeProblem[] } {
  const problems: EscapeProblem[] = [];
  let out = "";
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch !== "\\") {
      out += ch;
      i++;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) {
      out += "\\";
      i++;
      continue;
    }
    if (next === "\n") {
      // A backslash at the end of a line continues the literal without a newline.
      i += 2;
      continue;
    }
    const simple = SIMPLE[next];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    if (next >= "0" && next <= "7") {
      let j = i + 1;
      while (j < body.length && j < i + 4 && body[j]! >= "0" && body[j]! <= "7") j++;
      out += String.fromCodePoint(Number.parseInt(body.slice(i + 1, j), 8));
      i = j;
      continue;
    }
    if (next === "x" || next === "u" || next === "U") {
      const width = next === "x" ? 2 : next === "u" ? 4 : 8;
      const digits = body.slice(i + 2, i + 2 + width);
      if (digits.length !== width || !HEX.test(digits)) {
        problems.push({
          offset: i,
          kind: "syntax",
          message: `truncated \\${next}${"X".repeat(width)} escape`,
        });
        out += body.slice(i, i + 2);
        i += 2;
        continue;
      }
      const cp = Number.parseInt(digits, 16);
      if (cp > 0x10ffff) {
        problems.push({ offset: i, kind: "syntax", message: `illegal Unicode character \\${next}${digits}` });
      } else if (cp >= 0xd800 && cp <= 0xdfff) {
        problems.push({
          offset: i,
          kind: "surrogate",
          message: `escape \\${next}${digits} is a lone surrogate`,
        });
      } else {
        out += String.fromCodePoint(cp);
      }
      i += 2 + width;
      continue;
    }
    if (next === "N") {
      const close = body.indexOf("}", i);
      const end = body[i + 2] === "{" && close !== -1 ? close + 1 : i + 2;
      problems.push({
        offset: i,
        kind: "named",
        message: `named escape ${body.slice(i, end)} is not decoded by the static compiler`,
      });
      i = end;
      continue;
    }
    // Unknown escape: CPython keeps the backslash and the character.
    out += `\\${next}`;
    i += 2;
  }
  return { value: out, problems };
}

/** True when a JS string holds a UTF-16 surrogate that is not part of a pair. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Parses a Python int literal (decimal, 0x, 0o, 0b, underscores). Undefined when it is not one. */
export function parseIntLiteral(text: string): bigint | undefined {
  const t = text.replace(/_/g, "");
  if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^0[oO][0-7]+$/.test(t) || /^0[bB][01]+$/.test(t)) {
    const radix = { x: 16, o: 8, b: 2 }[t[1]!.toLowerCase() as "x" | "o" | "b"];
    let v = 0n;
    for (const c of t.slice(2)) v = v * BigInt(radix) + BigInt(Number.parseInt(c, radix));
    return v;
  }
  if (/^(0+|[1-9][0-9]*)$/.test(t)) return BigInt(t);
  return undefined;
}
