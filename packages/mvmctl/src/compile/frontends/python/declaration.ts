// Finds the declaration in a module (@mvm.app(...) on a module-level def, mvm.workload(id=...) at
// module level) and turns it into an IR-shaped Workload with the declaration core; this file only
// knows where a Python declaration sits (decorator position, the function's name, the file stem).
// Uses of mvm.app anywhere else are errors, never silently skipped: a file that calls mvm.app but
// cannot be extracted must not be run.
import { basename, extname } from "node:path";
import type { Locator, PathSegment } from "@mvm/ir";
import {
  type At,
  appOptions,
  buildApp,
  buildWorkload as coreWorkload,
  lowerCall,
  placeOf,
} from "@mvm/ir/declare";
import { type Env, LANGUAGE, readArguments } from "./calls.js";
import { isSandboxCreate, resolveMvmName } from "./imports.js";
import type { Node } from "./parser.js";

export interface AppSite {
  /** The `mvm.app(...)` call of the decorator. */
  call: Node;
  /** The decorated function definition. */
  fn: Node;
}

export interface Sites {
  apps: AppSite[];
  workloads: Node[];
  /** Any reference to mvm.app at all, valid or not. */
  hasDeclaration: boolean;
  hasSandboxCreate: boolean;
}

/** Finds declaration sites and reports misplaced or malformed uses of mvm.app / mvm.workload. */
export function findSites(env: Env, root: Node): Sites {
  const sites: Sites = { apps: [], workloads: [], hasDeclaration: false, hasSandboxCreate: false };
  const accepted = new Set<number>();
  for (const stmt of root.namedChildren) {
    if (stmt?.type === "decorated_definition") {
      const def = stmt.childForFieldName("definition");
      for (const dec of stmt.namedChildren) {
        if (dec?.type !== "decorator") continue;
        const expr = dec.namedChildren.find((c) => c && c.type !== "comment");
        if (!expr) continue;
        if (expr.type !== "call" && resolveMvmName(expr, env.bindings) === "app") {
          sites.hasDeclaration = true;
          env.ctx.error(
            "E_BAD_KWARG",
            dec,
            "@mvm.app is used without arguments",
            "did you forget the parentheses? write @mvm.app(name=..., image=...)",
          );
          continue;
        }
        if (expr.type !== "call") continue;
        const callee = expr.childForFieldName("function");
        if (!callee || resolveMvmName(callee, env.bindings) !== "app") continue;
        sites.hasDeclaration = true;
        accepted.add(expr.id);
        if (def?.type !== "function_definition") {
          env.ctx.error(
            "E_NON_LITERAL",
            dec,
            "@mvm.app(...) must decorate a function",
            "put the decorator on a module-level def",
          );
          continue;
        }
        sites.apps.push({ call: expr, fn: def });
      }
    } else if (stmt?.type === "expression_statement") {
      const expr = stmt.namedChildren[0];
      const callee = expr?.type === "call" ? expr.childForFieldName("function") : null;
      if (expr && callee && resolveMvmName(callee, env.bindings) === "workload") {
        accepted.add(expr.id);
        sites.workloads.push(expr);
      }
    }
  }
  // Everything else that calls mvm.app / mvm.workload cannot be read statically.
  const visit = (n: Node): void => {
    if (n.type === "call") {
      const callee = n.childForFieldName("function");
      if (callee) {
        const name = resolveMvmName(callee, env.bindings);
        if ((name === "app" || name === "workload") && !accepted.has(n.id)) {
          if (name === "app") sites.hasDeclaration = true;
          env.ctx.error(
            "E_NON_LITERAL",
            n,
            `mvm.${name}(...) is only read as ${name === "app" ? "a decorator of a module-level def" : "a module-level statement"}`,
            name === "app"
              ? "write @mvm.app(...) directly above a module-level def"
              : 'call mvm.workload(id="...") at the top level of the module',
          );
        }
        if (isSandboxCreate(callee, env.bindings)) sites.hasSandboxCreate = true;
      }
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(root);
  return sites;
}

/** The Workload value of one app declaration (defaults left to validation), with its locator. */
export function buildWorkload(
  env: Env,
  site: AppSite,
  workload: Node | undefined,
): { value?: Record<string, unknown>; locate: Locator } {
  const marks = new Map<string, Node>();
  const mark = (path: PathSegment[], at: At) => {
    if (at) marks.set(JSON.stringify(path), at as Node);
  };
  const fnName = site.fn.childForFieldName("name")!;
  let workloadId: string | undefined;
  if (workload) {
    const w = readArguments(env, workload, "workload");
    const lowered = lowerCall(
      "workload",
      "mvm.workload",
      w.positional,
      w.keywords,
      workload,
      LANGUAGE,
      env.report,
    );
    if (lowered.t === "helper") workloadId = (lowered.ir as { id: string }).id;
    const idArg = [...w.keywords].reverse().find((k) => k.key === "id")?.value.at;
    mark(["id"], idArg ?? workload);
  }
  const args = readArguments(env, site.call, "app");
  const opts = appOptions(args.positional, args.keywords, site.call, LANGUAGE, env.report);
  const app = buildApp(
    args.ok ? opts : { t: "bad", at: site.call },
    {
      module: basename(env.ctx.file, extname(env.ctx.file)),
      language: LANGUAGE,
      functionName: fnName.text,
      functionAt: fnName,
    },
    site.call,
    env.report,
    mark,
  );
  // Without mvm.workload(...), the workload id is the app's name.
  if (!workload) {
    const nameLit = opts.t === "obj" ? opts.props.find((p) => p.key === "name")?.value : undefined;
    mark(["id"], nameLit?.at ?? fnName);
  }
  mark([], workload ?? site.call);
  const value = app ? coreWorkload(app, workloadId) : undefined;
  const locate: Locator = (path) => {
    const at = placeOf(value, path, (prefix) => marks.get(JSON.stringify(prefix)));
    return at ? env.ctx.location(at as Node) : undefined;
  };
  return value ? { value, locate } : { locate };
}
