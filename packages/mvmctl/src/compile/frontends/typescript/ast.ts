// Parsing a TypeScript file with oxc-parser, and the few AST facts the frontend needs.
// oxc gives ESTree-shaped nodes with UTF-16 `start`/`end` offsets; line:col is computed here.
import { type Location, lineCol } from "@mvm/ir";
import { parseSync } from "oxc-parser";

/** The ESTree node shape, loosely typed: the frontend checks `type` before reading fields. */
export interface Node {
  type: string;
  start: number;
  end: number;
  // biome-ignore lint/suspicious/noExplicitAny: ESTree fields differ per node type
  [field: string]: any;
}

export interface ParsedFile {
  text: string;
  file: string;
  program: Node;
  errors: { message: string; start: number }[];
}

export function parseTypeScript(text: string, file: string): ParsedFile {
  // The language comes from the extension (.ts, .mts, .cts, .tsx); anything else is read as TS.
  const name = /\.(m|c)?[jt]sx?$/.test(file) ? file : `${file}.ts`;
  const r = parseSync(name, text, { sourceType: "module", preserveParens: true });
  const errors = r.errors.map((e) => ({ message: e.message, start: e.labels[0]?.start ?? 0 }));
  return { text, file, program: r.program as unknown as Node, errors };
}

export function locationOf(p: ParsedFile, offset: number): Location {
  return { file: p.file, ...lineCol(p.text, offset) };
}

export function sourceOf(p: ParsedFile, n: Node): string {
  const s = p.text.slice(n.start, n.end);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Strips what does not change a value: parentheses, `as`, `satisfies`, `<T>x`, `x!`. */
export function unwrap(n: Node): Node {
  let cur = n;
  for (;;) {
    if (
      cur.type === "ParenthesizedExpression" ||
      cur.type === "TSAsExpression" ||
      cur.type === "TSSatisfiesExpression" ||
      cur.type === "TSTypeAssertion" ||
      cur.type === "TSNonNullExpression"
    ) {
      cur = cur.expression as Node;
    } else return cur;
  }
}

export function isNode(v: unknown): v is Node {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Node).type === "string" &&
    typeof (v as Node).start === "number"
  );
}

/**
 * Visits every node with its parent, in source order. Iterative: a parsed tree can be thousands of
 * levels deep (compile/nesting.ts caps it before parsing, but not at a depth JS recursion survives).
 */
export function walk(root: Node, visit: (node: Node, parent: Node | undefined) => void, parent?: Node): void {
  const stack: [Node, Node | undefined][] = [[root, parent]];
  while (stack.length > 0) {
    const [n, p] = stack.pop()!;
    visit(n, p);
    const kids: Node[] = [];
    for (const key of Object.keys(n)) {
      if (key === "parent") continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (const c of v) if (isNode(c)) kids.push(c);
      } else if (isNode(v)) kids.push(v);
    }
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, n]);
  }
}
