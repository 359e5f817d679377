// The auto-run classifier for TypeScript and JavaScript (.ts .mts .cts .tsx .js .mjs .cjs), on the
// oxc tree: may this file (which the static frontend found no declaration in) be run on the host in
// record mode? Only when it provably does not touch the declaration API. Conservative rules (any
// finding refuses):
//   - mvm-sdk is reached only as `import { Sandbox, ... } from "mvm-sdk"` (Sandbox API names), or a
//     namespace/default import used as `ns.<Sandbox API>`, or `const { Sandbox } = require("mvm-sdk")`
//     / `const ns = require("mvm-sdk")` used the same way. Importing app/workload/helpers,
//     `ns[...]`, `const { app } = ns`, passing or re-exporting the namespace, `export ... from
//     "mvm-sdk"`, `import ns = require("mvm-sdk")`, `import("mvm-sdk")` and mvm-sdk subpaths are
//     findings. Type-only imports are erased and allowed.
//   - dynamic code is a finding: eval, Function, .constructor, require other than a call with a
//     literal, module.require / createRequire / mainModule, import() of a non-literal, vm, module,
//     worker_threads, Reflect, computed access on globalThis/global/window/self/process/module.
//   - relative imports (./ ../ / file:) are classified too (by the caller); `#`, `@/`, `~/` aliases
//     cannot be resolved here and are findings.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { type Location, lineCol } from "@mvm/ir";
import type { Node } from "../frontends/typescript/ast.js";
import { isNode } from "../frontends/typescript/ast.js";
import { type ClassifyResult, type Finding, findingHint, TS_SANDBOX_API } from "./classify-rules.js";

const SDK = "mvm-sdk";
const DYNAMIC_IDENTIFIERS = new Set(["eval", "Function", "Reflect", "require"]);
const DYNAMIC_PROPERTIES = new Set([
  "eval",
  "constructor",
  "require",
  "mainModule",
  "createRequire",
  "Function",
  "runInThisContext",
  "runInNewContext",
  "runInContext",
  "compileFunction",
  "SourceTextModule",
  "binding",
  "_linkedBinding",
  "dlopen",
  "__proto__",
]);
const GLOBAL_OBJECTS = new Set(["globalThis", "global", "window", "self", "process", "module", "exports"]);
const FORBIDDEN_MODULES = new Set([
  "vm",
  "node:vm",
  "module",
  "node:module",
  "worker_threads",
  "node:worker_threads",
]);
const CODE_EXTS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx"];

export interface TsClassifyOptions {
  file: string;
  text: string;
  abs: string;
  imported: boolean;
}

type Walked = { node: Node; parent: Node | undefined; key: string };

function children(n: Node): Walked[] {
  const out: Walked[] = [];
  for (const key of Object.keys(n)) {
    if (key === "parent") continue;
    const v = n[key];
    if (Array.isArray(v)) {
      for (const c of v) if (isNode(c)) out.push({ node: c, parent: n, key });
    } else if (isNode(v)) out.push({ node: v, parent: n, key });
  }
  return out;
}

const isSdk = (s: unknown): boolean => typeof s === "string" && (s === SDK || s.startsWith(`${SDK}/`));
const isRelative = (s: string): boolean =>
  s.startsWith("./") ||
  s.startsWith("../") ||
  s === "." ||
  s === ".." ||
  s.startsWith("/") ||
  s.startsWith("file:");
const isAlias = (s: string): boolean => s.startsWith("#") || s.startsWith("@/") || s.startsWith("~/");

function stringValue(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === "Literal" && typeof n.value === "string") return n.value;
  if (n.type === "TemplateLiteral" && n.expressions.length === 0) return n.quasis[0]?.value?.cooked;
  return undefined;
}

function propName(p: Node): string | undefined {
  if (p.computed) return stringValue(p.key ?? p.property);
  const k = p.key ?? p.property;
  return k?.type === "Identifier" ? k.name : stringValue(k);
}

/** Resolves a relative specifier to a file the way tsx/node would, or undefined. */
export function resolveLocal(fromAbs: string, spec: string): string | undefined {
  const base = spec.startsWith("file:")
    ? new URL(spec).pathname
    : path.resolve(path.dirname(fromAbs), spec.split("?")[0]!);
  const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
  if (isFile(base)) return base;
  const stem = base.replace(/\.(m|c)?jsx?$/, "");
  for (const ext of [...CODE_EXTS, ".json"]) {
    if (isFile(base + ext)) return base + ext;
    if (stem !== base && isFile(stem + ext)) return stem + ext;
  }
  for (const ext of CODE_EXTS)
    if (isFile(path.join(base, `index${ext}`))) return path.join(base, `index${ext}`);
  return undefined;
}

export function classifyTsTree(program: Node, o: TsClassifyOptions): ClassifyResult {
  const findings: Finding[] = [];
  const locals = new Set<string>();
  const namespaces = new Set<string>();
  const sandboxNames = new Set<string>();
  let usesSandbox = false;
  const at = (n: Node): Location => ({ file: o.file, ...lineCol(o.text, n.start) });
  const find = (n: Node, kind: Finding["kind"], detail: string) => {
    const s = o.text.slice(n.start, n.end).replace(/\s*\n\s*/g, " ");
    findings.push({
      kind,
      location: at(n),
      detail: `${detail}: ${s.length > 80 ? `${s.slice(0, 77)}...` : s}`,
      hint: findingHint(kind),
    });
  };
  /** A module specifier met in an import/export/require/import(): sdk, local file, alias or package. */
  const specifier = (n: Node, spec: string | undefined, how: string): void => {
    const refuse = (why: string) => find(n, "dynamic", `${how} of ${why}`);
    if (spec === undefined) refuse("a module named by a non-literal");
    else if (isSdk(spec)) refuse(`${spec} (only \`import { Sandbox } from "${SDK}"\` is read)`);
    else if (FORBIDDEN_MODULES.has(spec)) refuse(`${spec}, which can run code from strings`);
    else if (isAlias(spec)) refuse(`the path alias ${spec}, which compile cannot resolve`);
    else if (isRelative(spec)) {
      const abs = resolveLocal(o.abs, spec);
      if (!abs) refuse(`${spec}, which does not resolve to a file compile can read`);
      else if (abs.endsWith(".json")) return;
      else if (!CODE_EXTS.includes(path.extname(abs))) refuse(`${spec}, a file compile cannot read`);
      else locals.add(abs);
    }
  };

  const nodes: Walked[] = [];
  const stack: Walked[] = [{ node: program, parent: undefined, key: "" }];
  while (stack.length > 0) {
    const w = stack.pop()!;
    nodes.push(w);
    const cs = children(w.node);
    for (let i = cs.length - 1; i >= 0; i--) stack.push(cs[i]!);
  }
  const parentOf = new Map<Node, Walked>();
  for (const w of nodes) if (w.parent) parentOf.set(w.node, w);

  // Pass 1: module bindings.
  for (const { node: n } of nodes) {
    if (n.type === "ImportDeclaration") {
      const spec = n.source?.value as string;
      if (n.importKind === "type") continue;
      if (spec === SDK) {
        for (const s of n.specifiers as Node[]) {
          if (s.importKind === "type") continue;
          const local = s.local.name as string;
          if (s.type === "ImportNamespaceSpecifier" || s.type === "ImportDefaultSpecifier")
            namespaces.add(local);
          else {
            const imported = s.imported.type === "Identifier" ? s.imported.name : s.imported.value;
            if (imported === "default") namespaces.add(local);
            else if (TS_SANDBOX_API.has(imported)) {
              if (imported === "Sandbox") sandboxNames.add(local);
            } else
              find(
                s,
                "declaration",
                `imports ${imported} from ${SDK} (only the Sandbox API may be imported here)`,
              );
          }
        }
        if (o.imported && namespaces.size > 0)
          find(n, "dynamic", `a local module imported by the script binds the ${SDK} namespace`);
        continue;
      }
      specifier(n, spec, "import");
    } else if (n.type === "ExportAllDeclaration" || (n.type === "ExportNamedDeclaration" && n.source)) {
      if (n.exportKind === "type") continue;
      const spec = n.source.value as string;
      if (isSdk(spec)) find(n, "declaration", `re-exports ${spec}`);
      else specifier(n, spec, "re-export");
    } else if (n.type === "TSImportEqualsDeclaration") {
      const ref = n.moduleReference;
      if (ref?.type === "TSExternalModuleReference")
        specifier(n, stringValue(ref.expression), "import = require");
    } else if (n.type === "ImportExpression") {
      specifier(n, stringValue(n.source), "import()");
    } else if (
      n.type === "CallExpression" &&
      n.callee?.type === "Identifier" &&
      n.callee.name === "require"
    ) {
      const spec = n.arguments.length === 1 ? stringValue(n.arguments[0]) : undefined;
      const up = parentOf.get(n)?.parent;
      if (spec === SDK && up?.type === "VariableDeclarator" && up.init === n) {
        if (up.id.type === "Identifier") {
          if (o.imported)
            find(n, "dynamic", `a local module imported by the script binds the ${SDK} namespace`);
          namespaces.add(up.id.name);
        } else if (up.id.type === "ObjectPattern") {
          for (const p of up.id.properties as Node[]) {
            const key = p.type === "Property" && !p.computed ? propName(p) : undefined;
            if (key && TS_SANDBOX_API.has(key) && p.value?.type === "Identifier") {
              if (key === "Sandbox") sandboxNames.add(p.value.name);
            } else
              find(p, "declaration", `takes ${key ?? "a computed key"} from ${SDK} (only the Sandbox API)`);
          }
        } else find(n, "dynamic", `require("${SDK}") bound to a pattern compile cannot read`);
        continue;
      }
      if (spec === SDK)
        find(n, "dynamic", `require("${SDK}") used other than in \`const { Sandbox } = require(...)\``);
      else specifier(n, spec, "require");
    }
  }

  // Pass 2: identifier references and dynamic constructs.
  for (const { node: n, parent, key } of nodes) {
    if (n.type === "MemberExpression") {
      const name = propName(n);
      if (name !== undefined && DYNAMIC_PROPERTIES.has(name))
        find(n, "dynamic", `.${name} can run code or load modules at run time`);
      if (
        n.computed &&
        name === undefined &&
        n.object?.type === "Identifier" &&
        GLOBAL_OBJECTS.has(n.object.name)
      )
        find(n, "dynamic", `computed access on ${n.object.name} can reach anything at run time`);
      continue;
    }
    if (n.type !== "Identifier" || !parent) continue;
    if (!isReference(n, parent, key)) continue;
    const name = n.name as string;
    if (namespaces.has(name)) {
      const prop =
        parent.type === "MemberExpression" && key === "object" && !parent.computed
          ? propName(parent)
          : undefined;
      if (prop === undefined)
        find(parent, "dynamic", `the ${SDK} namespace (${name}) is used as a value, not as ${name}.Sandbox`);
      else if (!TS_SANDBOX_API.has(prop))
        find(parent, "declaration", `${name}.${prop} is the declaration API (or not the Sandbox API)`);
      else if (prop === "Sandbox" && isCreate(parentOf.get(parent), parent)) usesSandbox = true;
      continue;
    }
    if (sandboxNames.has(name)) {
      if (
        parent.type === "MemberExpression" &&
        key === "object" &&
        !parent.computed &&
        propName(parent) === "create"
      )
        usesSandbox = true;
      continue;
    }
    if (name === "require" && parent.type === "CallExpression" && key === "callee") continue; // read in pass 1
    if (DYNAMIC_IDENTIFIERS.has(name)) find(n, "dynamic", `${name} can run code or load modules at run time`);
  }
  return { findings, usesSandbox, locals: [...locals] };
}

function isCreate(w: Walked | undefined, obj: Node): boolean {
  const p = w?.node;
  return p?.type === "MemberExpression" && p.object === obj && !p.computed && propName(p) === "create";
}

/** False for identifiers that name a property, a label or an import's own binding. */
function isReference(n: Node, parent: Node, key: string): boolean {
  switch (parent.type) {
    case "MemberExpression":
      return key !== "property" || parent.computed;
    case "Property":
      return key !== "key" || parent.computed || parent.shorthand;
    case "MethodDefinition":
    case "PropertyDefinition":
    case "AccessorProperty":
    case "TSPropertySignature":
    case "TSMethodSignature":
    case "TSEnumMember":
      return key !== "key" || parent.computed;
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return false;
    case "ImportSpecifier":
    case "ImportDefaultSpecifier":
    case "ImportNamespaceSpecifier":
      return false;
    case "ExportSpecifier":
      return key === "local";
    case "JSXAttribute":
      return false;
  }
  return n.type === "Identifier";
}
