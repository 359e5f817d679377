// A module-level function's parameters, read statically from Python source, for `invoke --input`.
import type { FoundFunction, Param } from "../../signature.js";
import { type Node, normalizeNewlines, parsePython } from "./parser.js";

function paramsOf(fn: Node): Param[] {
  const out: Param[] = [];
  let keywordOnly = false;
  for (const p of fn.childForFieldName("parameters")?.namedChildren ?? []) {
    if (!p) continue;
    switch (p.type) {
      case "identifier":
        out.push({ name: p.text, kind: keywordOnly ? "keyword_only" : "normal", required: true });
        break;
      case "typed_parameter": {
        // `*args: int` and `**kw: str` are typed_parameters wrapping a splat pattern.
        const inner = p.namedChildren[0];
        if (inner?.type === "list_splat_pattern") {
          out.push({ name: inner.namedChildren[0]?.text ?? "", kind: "var_positional", required: false });
          keywordOnly = true;
        } else if (inner?.type === "dictionary_splat_pattern") {
          out.push({ name: inner.namedChildren[0]?.text ?? "", kind: "var_keyword", required: false });
        } else if (inner) {
          out.push({ name: inner.text, kind: keywordOnly ? "keyword_only" : "normal", required: true });
        }
        break;
      }
      case "default_parameter":
      case "typed_default_parameter": {
        const name = p.childForFieldName("name")?.text ?? "";
        out.push({ name, kind: keywordOnly ? "keyword_only" : "normal", required: false });
        break;
      }
      case "list_splat_pattern":
        out.push({ name: p.namedChildren[0]?.text ?? "", kind: "var_positional", required: false });
        keywordOnly = true;
        break;
      case "keyword_separator":
        keywordOnly = true;
        break;
      case "dictionary_splat_pattern":
        out.push({ name: p.namedChildren[0]?.text ?? "", kind: "var_keyword", required: false });
        break;
      default:
        // positional_separator (`/`) and comments change nothing here.
        break;
    }
  }
  return out;
}

function assignedNames(target: Node | null): string[] {
  if (!target) return [];
  if (target.type === "identifier") return [target.text];
  if (target.type === "pattern_list" || target.type === "tuple_pattern" || target.type === "list_pattern") {
    return target.namedChildren.flatMap((c) => assignedNames(c));
  }
  return [];
}

/** The signature of `functionName` at module level; `{params: null}` if bound some other way. */
export async function pythonFunctionSignature(
  text: string,
  functionName: string,
): Promise<FoundFunction | undefined> {
  const tree = await parsePython(normalizeNewlines(text));
  let found: FoundFunction | undefined;
  // Later bindings win, as they do when the module runs.
  for (const stmt of tree.rootNode.namedChildren) {
    if (!stmt) continue;
    const def = stmt.type === "decorated_definition" ? stmt.childForFieldName("definition") : stmt;
    if (def?.type === "function_definition" && def.childForFieldName("name")?.text === functionName) {
      found = { params: paramsOf(def) };
    } else if (def?.type === "class_definition" && def.childForFieldName("name")?.text === functionName) {
      found = { params: null };
    } else if (stmt.type === "expression_statement") {
      const a = stmt.namedChildren[0];
      if (a?.type === "assignment" && assignedNames(a.childForFieldName("left")).includes(functionName))
        found = { params: null };
    } else if (stmt.type === "import_statement" || stmt.type === "import_from_statement") {
      for (const item of stmt.childrenForFieldName("name")) {
        const bound =
          item?.type === "aliased_import" ? item.childForFieldName("alias")?.text : item?.text.split(".")[0];
        if (bound === functionName) found = { params: null };
      }
    }
  }
  tree.delete();
  return found;
}
