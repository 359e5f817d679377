// Which local names refer to mvm-sdk: `import * as m`, `import m` (the SDK's default export is
// the same object as the namespace), and named imports with or without `as`. Only these
// bindings count; the compiler never guesses from a name alone.
import type { Node } from "./ast.js";

export const SDK_MODULE = "mvm-sdk";

export interface SdkBindings {
  /** Local names bound to the whole SDK (namespace or default import). */
  namespaces: Set<string>;
  /** Local name -> exported name, for named imports. */
  named: Map<string, string>;
}

export function sdkBindings(program: Node): SdkBindings {
  const out: SdkBindings = { namespaces: new Set(), named: new Map() };
  for (const stmt of program.body as Node[]) {
    if (stmt.type !== "ImportDeclaration" || stmt.source?.value !== SDK_MODULE || stmt.importKind === "type")
      continue;
    for (const s of stmt.specifiers as Node[]) {
      if (s.importKind === "type") continue;
      const local = s.local.name as string;
      if (s.type === "ImportNamespaceSpecifier" || s.type === "ImportDefaultSpecifier")
        out.namespaces.add(local);
      else if (s.type === "ImportSpecifier") {
        const imported = s.imported.type === "Identifier" ? s.imported.name : s.imported.value;
        if (imported === "default") out.namespaces.add(local);
        else out.named.set(local, imported as string);
      }
    }
  }
  return out;
}

/** The SDK export a callee refers to (`mvm.app` -> "app", `lp` -> "localPath"), if any. */
export function sdkExportOf(callee: Node, b: SdkBindings): string | undefined {
  if (callee.type === "Identifier") return b.named.get(callee.name);
  if (
    callee.type === "MemberExpression" &&
    callee.object.type === "Identifier" &&
    b.namespaces.has(callee.object.name)
  ) {
    if (!callee.computed && callee.property.type === "Identifier") return callee.property.name;
    if (callee.computed && callee.property.type === "Literal" && typeof callee.property.value === "string")
      return callee.property.value;
  }
  return undefined;
}

/** True for `Sandbox.create(...)` where Sandbox comes from mvm-sdk (`mvm.Sandbox.create` too). */
export function isSandboxCreate(call: Node, b: SdkBindings): boolean {
  const c = call.callee;
  if (c?.type !== "MemberExpression" || c.computed || c.property.name !== "create") return false;
  return sdkExportOf(c.object, b) === "Sandbox";
}
