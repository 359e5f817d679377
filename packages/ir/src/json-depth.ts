// A depth scan of JSON text before any parser sees it: jsonc-parser and the validators recurse on
// the tree, so 20,000 nested `[` would end in "Maximum call stack size exceeded". No IR document
// or recording needs more than a few levels; past the cap the input is refused with
// E_NESTING_TOO_DEEP at the first bracket past it.
import { type Diagnostic, diagnostic } from "./errors.js";
import { lineCol } from "./validate.js";

export const MAX_JSON_DEPTH = 256;

/** Offset of the first `[` / `{` (outside strings) deeper than the cap, if any. */
export function jsonTooDeepAt(text: string, maxDepth = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (ch === 91 || ch === 123) {
      if (++depth > maxDepth) return i;
    } else if (ch === 93 || ch === 125) depth--;
  }
  return undefined;
}

/** E_NESTING_TOO_DEEP with file:line:col when the JSON text nests past the cap. */
export function jsonDepthDiagnostic(text: string, file: string): Diagnostic | undefined {
  const at = jsonTooDeepAt(text);
  if (at === undefined) return undefined;
  const lc = lineCol(text, at);
  return diagnostic(
    "E_NESTING_TOO_DEEP",
    undefined,
    `${file}:${lc.line}:${lc.column}: JSON nests deeper than ${MAX_JSON_DEPTH} levels`,
    { location: { file, ...lc } },
  );
}
