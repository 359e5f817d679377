// How the file refers to mvm. Only names bound by a module-level import of `mvm` count: a call to
// `app(...)` that does not resolve to mvm is not a declaration. We never guess from spelling.
import type { Node } from "./parser.js";

/** Every public name of the Python SDK (what `from mvm import *` binds). */
export const MVM_EXPORTS = [
  "app",
  "workload",
  "local_path",
  "python_image",
  "node_image",
  "nix_packages",
  "resources",
  "network",
  "egress",
  "host_port",
  "dns_system",
  "dns_none",
  "dns_resolver",
  "literal",
  "secret",
  "hook",
  "entrypoint_function",
  "entrypoint",
  "python_deps",
  "node_deps",
  "no_deps",
  "emit_json",
  "Sandbox",
  "SandboxLiveError",
  "SandboxModeError",
  "SandboxNotFoundError",
  "SandboxTimeoutError",
  "SandboxUnsupportedError",
  "ExecResult",
  "StartedCommand",
  "MvmError",
  // mvm.web_fetch / web_search (docs/fetch.md): guest-side calls, not declaration helpers.
  "web_fetch",
  "web_search",
  "FetchResponse",
  "FetchError",
  "FetchDeniedError",
  "FetchTimeoutError",
  "FetchTooLargeError",
  "FetchUpstreamError",
  "FetchInvalidError",
  "FetchUnavailableError",
] as const;

export interface MvmBindings {
  /** Local names bound to the mvm module itself (`import mvm`, `import mvm as m`). */
  modules: Set<string>;
  /** Local name -> mvm export name (`from mvm import app as declare`). */
  names: Map<string, string>;
}

function dotted(node: Node | null): string | undefined {
  return node?.type === "dotted_name" ? node.text.replace(/\s+/g, "") : undefined;
}

/** Reads the module-level imports. Imports inside functions do not bind module-level names. */
export function resolveImports(root: Node): MvmBindings {
  const modules = new Set<string>();
  const names = new Map<string, string>();
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === "import_statement") {
      for (const item of stmt.childrenForFieldName("name")) {
        if (!item) continue;
        if (item.type === "aliased_import") {
          const alias = item.childForFieldName("alias")?.text;
          if (dotted(item.childForFieldName("name")) === "mvm" && alias) modules.add(alias);
        } else {
          // `import mvm.x` binds the name `mvm` to the top-level package.
          const name = dotted(item);
          if (name === "mvm" || name?.startsWith("mvm.")) modules.add("mvm");
        }
      }
    } else if (stmt.type === "import_from_statement") {
      if (dotted(stmt.childForFieldName("module_name")) !== "mvm") continue;
      if (stmt.namedChildren.some((c) => c?.type === "wildcard_import")) {
        for (const n of MVM_EXPORTS) names.set(n, n);
        continue;
      }
      for (const item of stmt.childrenForFieldName("name")) {
        if (!item) continue;
        if (item.type === "aliased_import") {
          const name = dotted(item.childForFieldName("name"));
          const alias = item.childForFieldName("alias")?.text;
          if (name && alias) names.set(alias, name);
        } else {
          const name = dotted(item);
          if (name) names.set(name, name);
        }
      }
    }
  }
  return { modules, names };
}

/**
 * The mvm export a callee expression refers to (`mvm.app`, `m.app`, `app` from `from mvm import
 * app`), `null` for an mvm attribute path that is not a plain export (`mvm.x.y`), or undefined
 * when the expression does not refer to mvm at all.
 */
export function resolveMvmName(node: Node, b: MvmBindings): string | null | undefined {
  if (node.type === "identifier") return b.names.get(node.text);
  if (node.type === "attribute") {
    const obj = node.childForFieldName("object");
    const attr = node.childForFieldName("attribute")?.text;
    if (!obj || !attr) return undefined;
    if (obj.type === "identifier" && b.modules.has(obj.text)) return attr;
    const inner = resolveMvmName(obj, b);
    if (inner !== undefined) return null;
  }
  return undefined;
}

/** True for `mvm.Sandbox.create` / `Sandbox.create` with Sandbox imported from mvm. */
export function isSandboxCreate(callee: Node, b: MvmBindings): boolean {
  if (callee.type !== "attribute" || callee.childForFieldName("attribute")?.text !== "create") return false;
  const obj = callee.childForFieldName("object");
  return obj !== null && resolveMvmName(obj, b) === "Sandbox";
}
