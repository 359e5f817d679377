// Rules CPython's parser and compiler enforce that tree-sitter-python's grammar does not: it still
// parses Python 2 statements, and it leaves parameter order, argument order and where a statement
// may appear to the compiler. Each rule is one that `compile(source, path, "exec")` applies (the
// test corpus pins them against python3's own verdict); none needs to import or run anything.
import type { Node } from "./parser.js";

export interface RuleError {
  node: Node;
  message: string;
}

const FUNCTION_SCOPES = new Set(["function_definition", "lambda"]);
const COMPREHENSIONS = new Set([
  "list_comprehension",
  "set_comprehension",
  "dictionary_comprehension",
  "generator_expression",
]);

// Nodes tree-sitter puts anywhere (a backslash continuation is a named node inside brackets).
const EXTRAS = new Set(["comment", "line_continuation"]);

const isAsync = (n: Node) => n.children[0]?.type === "async";

/** The parameter's bound name, if it binds one (looking through *args / **kw and annotations). */
function paramName(p: Node): string | undefined {
  if (p.type === "identifier") return p.text;
  const named = p.childForFieldName("name");
  if (named?.type === "identifier") return named.text;
  for (const c of p.namedChildren) {
    if (c?.type === "identifier") return c.text;
    if (c?.type === "list_splat_pattern" || c?.type === "dictionary_splat_pattern") return paramName(c);
  }
  return undefined;
}

/** Python 3 parameter lists: no tuple parameters, defaults run to the end, each name once. */
function checkParameters(params: Node, out: RuleError[]): void {
  let sawDefault = false;
  let keywordOnly = false;
  const seen = new Set<string>();
  for (const p of params.namedChildren) {
    if (!p || EXTRAS.has(p.type)) continue;
    if (p.type === "tuple_pattern" || p.type === "list_pattern") {
      out.push({ node: p, message: "SyntaxError: tuple parameters are not Python 3" });
      continue;
    }
    // A typed_parameter also wraps `*args: T` and `**kw: T`.
    const splat =
      p.type === "list_splat_pattern" ||
      p.type === "dictionary_splat_pattern" ||
      p.namedChildren.some((c) => c?.type === "list_splat_pattern" || c?.type === "dictionary_splat_pattern");
    if (splat || p.type === "keyword_separator") keywordOnly = true;
    if (p.type === "default_parameter" || p.type === "typed_default_parameter") sawDefault = true;
    else if ((p.type === "identifier" || p.type === "typed_parameter") && sawDefault && !keywordOnly) {
      out.push({ node: p, message: "SyntaxError: non-default argument follows default argument" });
    }
    const name = paramName(p);
    if (name !== undefined) {
      if (seen.has(name)) {
        out.push({ node: p, message: `SyntaxError: duplicate argument '${name}' in function definition` });
      }
      seen.add(name);
    }
  }
}

/** Call arguments: positionals before keywords and ** unpacking, each keyword once. */
function checkArguments(args: Node, out: RuleError[]): void {
  let sawKeyword = false;
  let sawDoubleStar = false;
  const seen = new Set<string>();
  for (const a of args.namedChildren) {
    if (!a || EXTRAS.has(a.type)) continue;
    if (a.type === "keyword_argument") {
      sawKeyword = true;
      const name = a.childForFieldName("name")?.text ?? "";
      if (seen.has(name)) out.push({ node: a, message: `SyntaxError: keyword argument repeated: ${name}` });
      seen.add(name);
    } else if (a.type === "dictionary_splat") {
      sawDoubleStar = true;
    } else if (a.type === "list_splat") {
      if (sawDoubleStar) {
        out.push({
          node: a,
          message: "SyntaxError: iterable argument unpacking follows keyword argument unpacking",
        });
      }
    } else if (sawDoubleStar) {
      out.push({ node: a, message: "SyntaxError: positional argument follows keyword argument unpacking" });
    } else if (sawKeyword) {
      out.push({ node: a, message: "SyntaxError: positional argument follows keyword argument" });
    }
  }
}

/** The nearest enclosing node of one of `types`, stopping (undefined) at any of `stop`. */
function enclosing(n: Node, types: Set<string>, stop: Set<string> = new Set()): Node | undefined {
  for (let p = n.parent; p; p = p.parent) {
    if (types.has(p.type)) return p;
    if (stop.has(p.type)) return undefined;
  }
  return undefined;
}

const SCOPES = new Set(["function_definition", "lambda", "class_definition"]);
const LOOPS = new Set(["for_statement", "while_statement"]);

/**
 * The comprehension whose own scope n is in, before any function or class. The first `for`'s
 * iterable is evaluated in the enclosing scope, so a node there is not in the comprehension's.
 */
function comprehensionScope(n: Node): Node | undefined {
  let child: Node = n;
  for (let p = n.parent; p; child = p, p = p.parent) {
    if (SCOPES.has(p.type)) return undefined;
    if (!COMPREHENSIONS.has(p.type)) continue;
    const first = p.namedChildren.find((c) => c?.type === "for_in_clause");
    const iterable = first?.childForFieldName("right");
    const viaIterable =
      child.id === first?.id &&
      iterable &&
      n.startIndex >= iterable.startIndex &&
      n.endIndex <= iterable.endIndex;
    if (!viaIterable) return p;
  }
  return undefined;
}

/** Whether break/continue at n is inside a loop's body (not its else clause) within its scope. */
function inLoop(n: Node): boolean {
  let child: Node = n;
  for (let p = n.parent; p; child = p, p = p.parent) {
    if (SCOPES.has(p.type)) return false;
    if (LOOPS.has(p.type) && child.type !== "else_clause") return true;
  }
  return false;
}

/** Inside an `except*` handler (without a nested function, class or, for break/continue, loop). */
function inExceptStar(n: Node, loopsStop: boolean): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (SCOPES.has(p.type) || (loopsStop && LOOPS.has(p.type))) return false;
    if (p.type === "except_clause" && p.children.some((c) => c?.type === "*")) return true;
  }
  return false;
}

function checkNode(n: Node, out: RuleError[]): void {
  switch (n.type) {
    case "print_statement":
      // `print >> f, x` is Python 3 too: a tuple of a shift expression (a TypeError when run).
      if (!n.namedChildren.some((c) => c?.type === "chevron")) {
        out.push({ node: n, message: "SyntaxError: Missing parentheses in call to 'print'" });
      }
      break;
    case "exec_statement":
      out.push({ node: n, message: "SyntaxError: Missing parentheses in call to 'exec'" });
      break;
    case "string":
      if (n.text.startsWith("`")) out.push({ node: n, message: "SyntaxError: backquotes are not Python 3" });
      break;
    case "parameters":
    case "lambda_parameters":
      checkParameters(n, out);
      break;
    case "argument_list":
      checkArguments(n, out);
      break;
    case "except_clause":
      // `except A, B:` is Python 2; Python 3 wants a parenthesized tuple.
      if (n.children.some((c) => c?.type === ",")) {
        out.push({ node: n, message: "SyntaxError: multiple exception types must be parenthesized" });
      }
      break;
    case "expression_statement":
      if (n.namedChildren[0]?.type === "named_expression") {
        out.push({
          node: n,
          message: "SyntaxError: an assignment expression (:=) must be parenthesized here",
        });
      }
      break;
    case "assignment":
    case "augmented_assignment":
      if (n.childForFieldName("left")?.type === "list_splat_pattern") {
        out.push({ node: n, message: "SyntaxError: starred assignment target must be in a list or tuple" });
      }
      break;
    case "return_statement":
      if (enclosing(n, SCOPES)?.type !== "function_definition") {
        out.push({ node: n, message: "SyntaxError: 'return' outside function" });
      } else if (inExceptStar(n, false)) {
        out.push({ node: n, message: "SyntaxError: 'return' cannot appear in an except* block" });
      }
      break;
    case "break_statement":
    case "continue_statement": {
      const word = n.type === "break_statement" ? "break" : "continue";
      if (!inLoop(n)) out.push({ node: n, message: `SyntaxError: '${word}' outside loop` });
      else if (inExceptStar(n, true)) {
        out.push({ node: n, message: `SyntaxError: '${word}' cannot appear in an except* block` });
      }
      break;
    }
    case "yield": {
      const scope = enclosing(n, SCOPES);
      if (!scope || scope.type === "class_definition") {
        out.push({ node: n, message: "SyntaxError: 'yield' outside function" });
      } else if (comprehensionScope(n)) {
        out.push({ node: n, message: "SyntaxError: 'yield' inside a comprehension" });
      }
      break;
    }
    case "await": {
      const fn = enclosing(n, FUNCTION_SCOPES, new Set(["class_definition"]));
      // An await in a generator expression makes it an async generator, allowed anywhere in a function.
      const genexp = comprehensionScope(n)?.type === "generator_expression";
      if (!fn) out.push({ node: n, message: "SyntaxError: 'await' outside function" });
      else if (!genexp && !(fn.type === "function_definition" && isAsync(fn))) {
        out.push({ node: n, message: "SyntaxError: 'await' outside async function" });
      }
      break;
    }
    case "for_statement":
    case "with_statement":
      if (isAsync(n)) {
        const fn = enclosing(n, FUNCTION_SCOPES, new Set(["class_definition"]));
        if (!(fn?.type === "function_definition" && isAsync(fn))) {
          const word = n.type === "for_statement" ? "for" : "with";
          out.push({ node: n, message: `SyntaxError: 'async ${word}' outside async function` });
        }
      }
      break;
    case "nonlocal_statement":
      if (!enclosing(n, SCOPES)) {
        out.push({ node: n, message: "SyntaxError: nonlocal declaration not allowed at module level" });
      }
      break;
  }
}

export function grammarRuleErrors(root: Node): RuleError[] {
  const out: RuleError[] = [];
  const visit = (n: Node): void => {
    // Keyword tokens share their node's type name ("await", "yield"): only named nodes are rules' subjects.
    if (n.isNamed) checkNode(n, out);
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  return out;
}
