// The auto-run classifier for Python: may this file (which the static frontend found no declaration
// in) be run on the host in record mode? Only when it provably does not touch the declaration API.
// It works on the tree-sitter tree, over the WHOLE file (imports inside try:, functions, classes
// count too), with every identifier NFKC-normalised (CPython treats `ａｐｐ` and `app` as one
// name). The rules, all conservative (anything not understood is a finding, and a finding refuses):
//   - mvm is reached only as `import mvm [as m]` followed by `m.<Sandbox API>` (attribute access),
//     or `from mvm import <Sandbox API names>`. Any other use of the module name (mvm.app, mvm[..],
//     passing or assigning mvm, `del mvm`), `from mvm import app|workload|helpers|*`, and any
//     `mvm.<submodule>` import is a finding.
//   - dynamic access that could reach mvm is a finding wherever it appears: __import__, importlib,
//     exec/eval/compile, getattr/setattr/delattr, globals()/locals()/vars(), builtins, sys.modules,
//     runpy, operator.attrgetter, frame and code introspection, any dunder name outside a short list.
//   - local modules it imports (files next to it) are classified too (by the caller); a local module
//     must not bind the mvm module at all (it could hand it back: `from helpers import mvm`).
import path from "node:path";
import { type Location, lineCol } from "@mvm/ir";
import type { Node } from "../frontends/python/parser.js";
import { type ClassifyResult, type Finding, findingHint, PY_SANDBOX_API } from "./classify-rules.js";

const DYNAMIC_NAMES = new Set([
  "__import__",
  "importlib",
  "import_module",
  "exec",
  "eval",
  "compile",
  "execfile",
  "getattr",
  "setattr",
  "delattr",
  "globals",
  "locals",
  "vars",
  "builtins",
  "runpy",
  "pkgutil",
  "attrgetter",
  "methodcaller",
  "reload",
  "FunctionType",
  "CodeType",
  "ModuleType",
]);

const DYNAMIC_ATTRS = new Set([
  "modules",
  "import_module",
  "f_globals",
  "f_locals",
  "f_back",
  "gi_frame",
  "cr_frame",
  "ag_frame",
  "tb_frame",
  "_getframe",
  "get_objects",
  "get_referrers",
  "getmodule",
  "getattr_static",
  "attrgetter",
  "methodcaller",
  "exec_module",
  "load_module",
  "run_path",
  "run_module",
  "reload",
]);

/** Dunders that ordinary scripts use and that do not reach a module's namespace. */
const DUNDER_OK = new Set([
  "__name__",
  "__main__",
  "__file__",
  "__init__",
  "__future__",
  "__enter__",
  "__exit__",
  "__aenter__",
  "__aexit__",
  "__repr__",
  "__str__",
  "__eq__",
  "__ne__",
  "__lt__",
  "__le__",
  "__gt__",
  "__ge__",
  "__hash__",
  "__len__",
  "__iter__",
  "__next__",
  "__aiter__",
  "__anext__",
  "__contains__",
  "__bool__",
  "__call__",
  "__doc__",
  "__all__",
  "__slots__",
  "__post_init__",
  "__version__",
]);

export const nfkc = (s: string): string => s.normalize("NFKC");
const dottedText = (n: Node | null): string | undefined => (n ? nfkc(n.text.replace(/\s+/g, "")) : undefined);

export interface PythonClassifyOptions {
  file: string;
  text: string;
  /** The file's absolute path (relative imports resolve from its directory). */
  abs: string;
  /** sys.path[0] of the run: the entry script's directory. */
  entryDir: string;
  /** True for a module the entry imports (it must not bind mvm at all). */
  imported: boolean;
  /** Whether a path exists as a file. */
  isFile: (p: string) => boolean;
  isDir: (p: string) => boolean;
}

export function classifyPythonTree(root: Node, o: PythonClassifyOptions): ClassifyResult {
  const findings: Finding[] = [];
  const locals = new Set<string>();
  const modules = new Set<string>();
  const sandboxNames = new Set<string>();
  let usesSandbox = false;
  const at = (n: Node): Location => ({ file: o.file, ...lineCol(o.text, n.startIndex) });
  const find = (n: Node, kind: Finding["kind"], detail: string) => {
    findings.push({ kind, location: at(n), detail: `${detail}: ${snippetOf(n)}`, hint: findingHint(kind) });
  };

  // Where `import a.b.c` / `from .x import y` may load local files from.
  const localCandidates = (base: string, parts: string[]): void => {
    let dir = base;
    for (const p of parts) {
      if (!p) continue;
      const file = path.join(dir, `${p}.py`);
      const pkg = path.join(dir, p);
      if (o.isFile(file)) locals.add(file);
      if (o.isFile(path.join(pkg, "__init__.py"))) locals.add(path.join(pkg, "__init__.py"));
      if (!o.isDir(pkg)) return;
      dir = pkg;
    }
  };

  // Pass 1: the imports, anywhere in the file.
  const stack: Node[] = [root];
  const nodes: Node[] = [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    nodes.push(n);
    for (let i = n.childCount - 1; i >= 0; i--) {
      const c = n.child(i);
      if (c) stack.push(c);
    }
  }
  for (const n of nodes) {
    if (n.type === "import_statement") {
      for (const item of n.childrenForFieldName("name")) {
        if (!item) continue;
        const aliased = item.type === "aliased_import";
        const name = dottedText(aliased ? item.childForFieldName("name") : item) ?? "";
        const alias = aliased ? nfkc(item.childForFieldName("alias")?.text ?? "") : undefined;
        if (name === "mvm") {
          if (o.imported) find(item, "dynamic", "a local module imported by the script binds the mvm module");
          modules.add(alias ?? "mvm");
        } else if (name.startsWith("mvm.")) {
          find(item, "dynamic", `import of the mvm submodule ${name}`);
        } else localCandidates(o.entryDir, name.split("."));
      }
    } else if (n.type === "import_from_statement") {
      const modNode = n.childForFieldName("module_name");
      const wildcard = n.namedChildren.some((c) => c?.type === "wildcard_import");
      const names = n.childrenForFieldName("name").filter((x): x is Node => x !== null);
      if (modNode?.type === "relative_import") {
        const dots = /^\.+/.exec(modNode.text.replace(/\s+/g, ""))?.[0].length ?? 1;
        let dir = path.dirname(o.abs);
        for (let k = 1; k < dots; k++) dir = path.dirname(dir);
        const rest = dottedText(modNode.namedChildren.find((c) => c?.type === "dotted_name") ?? null);
        const parts = rest ? rest.split(".") : [];
        if (o.isFile(path.join(dir, "__init__.py"))) locals.add(path.join(dir, "__init__.py"));
        localCandidates(dir, parts);
        for (const it of names) {
          const nm = dottedText(it.type === "aliased_import" ? it.childForFieldName("name") : it);
          if (nm) localCandidates(dir, [...parts, ...nm.split(".")]);
        }
        continue;
      }
      const mod = dottedText(modNode) ?? "";
      if (mod === "mvm") {
        if (wildcard) {
          find(n, "declaration", "`from mvm import *` binds the declaration API (app, workload, ...)");
          continue;
        }
        for (const it of names) {
          const aliased = it.type === "aliased_import";
          const nm = dottedText(aliased ? it.childForFieldName("name") : it) ?? "";
          const local = aliased ? nfkc(it.childForFieldName("alias")?.text ?? "") : nm;
          if (PY_SANDBOX_API.has(nm)) {
            if (nm === "Sandbox") sandboxNames.add(local);
          } else
            find(it, "declaration", `imports ${nm} from mvm (only the Sandbox API may be imported here)`);
        }
      } else if (mod.startsWith("mvm.")) {
        find(n, "dynamic", `import from the mvm submodule ${mod}`);
      } else {
        const parts = mod.split(".");
        localCandidates(o.entryDir, parts);
        for (const it of names) {
          const nm = dottedText(it.type === "aliased_import" ? it.childForFieldName("name") : it);
          if (nm) localCandidates(o.entryDir, [...parts, ...nm.split(".")]);
        }
      }
    }
  }

  // Pass 2: every identifier.
  for (const n of nodes) {
    if (n.type !== "identifier") continue;
    const parent = n.parent;
    if (!parent) continue;
    if (inImport(n)) continue;
    const name = nfkc(n.text);
    const isAttrName = parent.type === "attribute" && parent.childForFieldName("attribute")?.equals(n);
    const isKeyword = parent.type === "keyword_argument" && parent.childForFieldName("name")?.equals(n);
    if (isAttrName) {
      // `sb.exec(...)` is the Sandbox API and `re.compile` is common: only the builtins that run
      // code are checked as bare names alone.
      const codeRunner = name === "exec" || name === "eval" || name === "compile";
      if (
        DYNAMIC_ATTRS.has(name) ||
        (DYNAMIC_NAMES.has(name) && !codeRunner) ||
        (isDunder(name) && !DUNDER_OK.has(name))
      )
        find(parent, "dynamic", `.${name} can reach a module's namespace at run time`);
      // `K.mvm.app` after `class K: import mvm`: the module, reached through another object.
      else if (modules.has(name)) find(parent, "dynamic", `the mvm module is reached as .${name}`);
      continue;
    }
    if (isKeyword) continue;
    if (modules.has(name)) {
      const attr =
        parent.type === "attribute" && parent.childForFieldName("object")?.equals(n)
          ? nfkc(parent.childForFieldName("attribute")?.text ?? "")
          : undefined;
      if (attr === undefined) {
        find(parent, "dynamic", `the mvm module (${name}) is used as a value, not as ${name}.Sandbox`);
      } else if (!PY_SANDBOX_API.has(attr)) {
        find(parent, "declaration", `${name}.${attr} is the declaration API (or not the Sandbox API)`);
      } else if (attr === "Sandbox" && isCreate(parent.parent, parent)) usesSandbox = true;
      continue;
    }
    if (sandboxNames.has(name)) {
      if (isCreate(parent, n)) usesSandbox = true;
      continue;
    }
    if (DYNAMIC_NAMES.has(name) || DYNAMIC_ATTRS.has(name) || (isDunder(name) && !DUNDER_OK.has(name)))
      find(n, "dynamic", `${name} can reach the mvm module dynamically`);
  }
  return { findings, usesSandbox, locals: [...locals] };
}

function isDunder(s: string): boolean {
  return s.length > 4 && s.startsWith("__") && s.endsWith("__");
}

/** `<obj>.create` where `obj` is the given node. */
function isCreate(parent: Node | null, obj: Node): boolean {
  return (
    parent?.type === "attribute" &&
    parent.childForFieldName("object")?.equals(obj) === true &&
    nfkc(parent.childForFieldName("attribute")?.text ?? "") === "create"
  );
}

function inImport(n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === "import_statement" || p.type === "import_from_statement") return true;
    if (p.type === "future_import_statement") return true;
    if (p.type === "expression_statement" || p.type === "module" || p.type === "block") return false;
  }
  return false;
}

function snippetOf(n: Node): string {
  const flat = n.text.replace(/\s*\n\s*/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
