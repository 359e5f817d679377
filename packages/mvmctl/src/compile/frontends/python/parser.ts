// Loads the tree-sitter Python grammar once per process. tree-sitter parses without executing
// anything, and its error recovery lets us report every syntax error with a position.
import { createRequire } from "node:module";
import { Language, type Node, Parser, type Tree } from "web-tree-sitter";

let parserPromise: Promise<Parser> | undefined;

async function createParser(): Promise<Parser> {
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve("tree-sitter-python/tree-sitter-python.wasm");
  const language = await Language.load(wasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** Parses Python source. The parser is shared across calls (loading the grammar costs ~20 ms). */
export async function parsePython(text: string): Promise<Tree> {
  parserPromise ??= createParser();
  const parser = await parserPromise;
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

/** Python normalizes CRLF and CR to LF before tokenizing; so do we (offsets stay line-stable). */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Every ERROR and MISSING node, outermost first; nested errors inside an ERROR are not repeated. */
export function syntaxErrorNodes(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    if (n.isError || n.isMissing) {
      out.push(n);
      return;
    }
    if (!n.hasError) return;
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  return out;
}

export type { Node, Tree };
