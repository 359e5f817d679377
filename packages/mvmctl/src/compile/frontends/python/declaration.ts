// Finds the declaration in a module (@mvm.app(...) on a module-level def, mvm.workload(id=...) at
// module level) and turns it into an IR-shaped Workload. Uses of mvm.app anywhere else are errors,
// never silently skipped: a file that calls mvm.app but cannot be extracted must not be run.
import { basename, extname } from "node:path";
import { SCHEMA_VERSION } from "@mvm/ir";
import { type BoundArgs, bindArguments } from "./arguments.js";
import { Checks } from "./checks.js";
import {
  APP_SIGNATURE,
  callHelper,
  type HelperEnv,
  hookList,
  type SecretData,
  WORKLOAD_SIGNATURE,
} from "./helpers.js";
import { isSandboxCreate, resolveMvmName } from "./imports.js";
import type { PyVal } from "./literals.js";
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

const PHASES = ["before_build", "before_start", "after_start", "before_stop"] as const;

/** Finds declaration sites and reports misplaced or malformed uses of mvm.app / mvm.workload. */
export function findSites(env: HelperEnv, root: Node): Sites {
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

function given(args: BoundArgs, name: string): PyVal | undefined {
  const a = args.get(name);
  return Checks.given(a) ? a?.value : undefined;
}

/** The Workload value of one app declaration (defaults left to validation), or undefined. */
export function buildWorkload(env: HelperEnv, site: AppSite, workload: Node | undefined): unknown {
  const { origins, checks: c, ctx } = env;
  const evalCall = (n: Node) => callHelper(env, n);
  const { args, ok: bound } = bindArguments(ctx, "app", APP_SIGNATURE, site.call, evalCall);
  let wid: { id: string; node: Node } | undefined;
  if (workload) {
    const wargs = bindArguments(ctx, "workload", WORKLOAD_SIGNATURE, workload, evalCall);
    const idVal = wargs.args.get("id")?.value;
    const id = c.str("workload", "id", idVal);
    if (id !== undefined && idVal) wid = { id, node: idVal.node };
  }
  let ok = bound;
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) ok = false;
    return v as T;
  };
  const fnName = site.fn.childForFieldName("name")!;
  const rows: Array<[string, unknown, Node | undefined]> = [];

  const nameVal = given(args, "name");
  const name = nameVal ? need(c.str("app", "name", nameVal)) : fnName.text;
  rows.push(["name", name, nameVal?.node ?? fnName]);

  const sourceVal = given(args, "source");
  const source = sourceVal
    ? need(c.helper("app", "source", sourceVal, ["source"], "mvm.local_path(...)"))?.ir
    : origins.object(site.call, [
        ["kind", "local_path", site.call],
        ["path", ".", site.call],
      ]);
  rows.push(["source", source, sourceVal?.node ?? site.call]);

  const imageVal = args.get("image")?.value;
  const image = need(
    c.helper(
      "app",
      "image",
      imageVal,
      ["image"],
      "mvm.python_image(...), mvm.node_image(...) or mvm.nix_packages([...])",
    ),
  );
  rows.push(["image", image?.ir, imageVal?.node]);

  const resVal = given(args, "resources");
  if (resVal) {
    const r = need(c.helper("app", "resources", resVal, ["resources"], "mvm.resources(...)"));
    rows.push(["resources", r?.ir, resVal.node]);
  }

  if (args.has("network")) {
    const netVal = given(args, "network");
    const net = netVal
      ? need(c.helper("app", "network", netVal, ["network"], "mvm.network(...) or None"))
      : undefined;
    rows.push(["network", net ? net.ir : null, netVal?.node ?? args.get("network")!.node]);
  }

  const envVal = given(args, "env");
  if (envVal) rows.push(["env", need(envMap(env, envVal)), envVal.node]);

  const epVal = given(args, "entrypoint");
  const epsVal = given(args, "entrypoints");
  if (epVal && epsVal) {
    ctx.error(
      "E_BAD_KWARG",
      args.get("entrypoints")!.node,
      "mvm.app(): give entrypoint or entrypoints, not both",
      "keep entrypoints=[...] and list every entrypoint there",
    );
    ok = false;
  } else if (epVal) {
    const ep = need(
      c.helper(
        "app",
        "entrypoint",
        epVal,
        ["entrypoint"],
        "mvm.entrypoint_function(...) or mvm.entrypoint(...)",
      ),
    );
    rows.push(["entrypoints", origins.array(epVal.node, [[ep?.ir, epVal.node]]), epVal.node]);
  } else if (epsVal) {
    if (epsVal.t !== "list") {
      c.bad("app", "entrypoints", "a list of entrypoints", epsVal);
      ok = false;
    } else {
      const items = epsVal.items.map((it, i): [unknown, Node] => [
        need(
          c.helper(
            "app",
            `entrypoints[${i}]`,
            it,
            ["entrypoint"],
            "mvm.entrypoint_function(...) or mvm.entrypoint(...)",
          ),
        )?.ir,
        it.node,
      ]);
      rows.push(["entrypoints", origins.array(epsVal.node, items), epsVal.node]);
    }
  } else {
    // No entrypoint: the decorated function itself, in the module named after the file.
    const module = basename(ctx.file, extname(ctx.file));
    const ep = origins.object(fnName, [
      ["kind", "function", site.call],
      ["language", env.language, site.call],
      ["module", module, site.call],
      ["function", fnName.text, fnName],
      ["format", "json", site.call],
      ["working_dir", "/app", site.call],
      ["env", {}, site.call],
      ["primary", true, site.call],
    ]);
    rows.push(["entrypoints", origins.array(site.call, [[ep, fnName]]), site.call]);
  }

  if (args.has("dependencies")) {
    const dv = given(args, "dependencies");
    const d = dv
      ? need(
          c.helper(
            "app",
            "dependencies",
            dv,
            ["dependencies"],
            "mvm.python_deps(...), mvm.node_deps(...), mvm.no_deps() or None",
          ),
        )
      : undefined;
    rows.push(["dependencies", d ? d.ir : null, dv?.node ?? args.get("dependencies")!.node]);
  }

  const addonsVal = given(args, "addons");
  if (addonsVal) rows.push(["addons", need(addons(env, addonsVal)), addonsVal.node]);

  const hookRows: Array<[string, unknown, Node | undefined]> = [];
  for (const phase of PHASES) {
    const hv = given(args, phase);
    if (!hv) continue;
    const list = need(hookList(env, "app", phase, hv));
    if (list && list.length > 0) hookRows.push([phase, list, hv.node]);
  }
  if (hookRows.length > 0) rows.push(["hooks", origins.object(site.call, hookRows), site.call]);

  if (!ok) return undefined;
  const app = origins.object(site.call, rows);
  const id = wid?.id ?? name;
  return origins.object(workload ?? site.call, [
    ["schema_version", SCHEMA_VERSION, workload ?? site.call],
    ["id", id, wid?.node ?? nameVal?.node ?? fnName],
    ["apps", origins.array(site.call, [[app, site.call]]), site.call],
    ["volumes", [], site.call],
    ["extensions", {}, site.call],
  ]);
}

function envMap(env: HelperEnv, v: PyVal): Record<string, unknown> | undefined {
  const { origins, checks: c } = env;
  if (v.t !== "dict") return c.bad("app", "env", 'a dict like {"NAME": "value"}', v);
  const rows: Array<[string, unknown, Node | undefined]> = [];
  let ok = true;
  for (const e of v.entries) {
    const what = `env[${JSON.stringify(e.key)}]`;
    const val = e.value;
    if (val.t === "str") {
      rows.push([
        e.key,
        origins.object(val.node, [
          ["kind", "literal", val.node],
          ["value", val.v, val.node],
        ]),
        val.node,
      ]);
    } else if (val.t === "helper" && val.kind === "env_value" && val.helper === "literal") {
      rows.push([e.key, val.ir, val.node]);
    } else if (val.t === "helper" && val.kind === "env_value" && val.helper === "secret") {
      const s = val.data as SecretData;
      // The guest sees the secret under `var`, else under the env key it is declared at.
      const mount = origins.object(s.varNode ?? e.keyNode, [
        ["kind", "env", val.node],
        ["var", s.var ?? e.key, s.varNode ?? e.keyNode],
      ]);
      const hosts = origins.array(
        s.hostsNode ?? val.node,
        s.hosts.map((h, i) => [h, origins.nodeAt(s.hosts, [i])]),
      );
      const ref = origins.object(val.node, [
        ["name", s.name, s.nameNode],
        ["mount", mount, s.varNode ?? val.node],
        ["auth_type", s.type, val.node],
        ["allowed_hosts", hosts, s.hostsNode ?? val.node],
        ["sigv4", null, val.node],
      ]);
      rows.push([
        e.key,
        origins.object(val.node, [
          ["kind", "secret_ref", val.node],
          ["ref", ref, val.node],
        ]),
        val.node,
      ]);
    } else {
      c.bad("app", what, "a string, mvm.literal(...) or mvm.secret(...)", val);
      ok = false;
    }
  }
  return ok ? origins.object(v.node, rows) : undefined;
}

function addons(env: HelperEnv, v: PyVal): unknown[] | undefined {
  const { origins, checks: c, ctx } = env;
  if (v.t !== "list") return c.bad("app", "addons", 'a list of dicts like {"name": ..., "hooks": {...}}', v);
  const rows: Array<[unknown, Node | undefined]> = [];
  let ok = true;
  v.items.forEach((item, i) => {
    const what = `addons[${i}]`;
    if (item.t !== "dict") {
      c.bad("app", what, 'a dict like {"name": ..., "hooks": {...}}', item);
      ok = false;
      return;
    }
    const out: Array<[string, unknown, Node | undefined]> = [];
    const nameEntry = item.entries.find((e) => e.key === "name");
    if (!nameEntry) {
      ctx.error("E_MISSING_KWARG", item.node, `mvm.app(): ${what} needs "name"`);
      ok = false;
    }
    for (const e of item.entries) {
      if (e.key === "name") {
        const n = c.str("app", `${what}.name`, e.value);
        if (n === undefined) ok = false;
        out.push(["name", n, e.value.node]);
      } else if (e.key === "hooks") {
        if (e.value.t !== "dict") {
          c.bad("app", `${what}.hooks`, "a dict of hook phases", e.value);
          ok = false;
          continue;
        }
        const phases: Array<[string, unknown, Node | undefined]> = [];
        for (const p of e.value.entries) {
          if (!(PHASES as readonly string[]).includes(p.key)) {
            ctx.error(
              "E_UNKNOWN_KWARG",
              p.keyNode,
              `mvm.app(): ${what}.hooks has no phase "${p.key}"; it takes ${PHASES.join(", ")}`,
            );
            ok = false;
            continue;
          }
          if (p.value.t === "none") continue;
          const list = hookList(env, "app", `${what}.hooks.${p.key}`, p.value);
          if (list === undefined) ok = false;
          else if (list.length > 0) phases.push([p.key, list, p.value.node]);
        }
        out.push(["hooks", origins.object(e.value.node, phases), e.value.node]);
      } else {
        ctx.error(
          "E_UNKNOWN_KWARG",
          e.keyNode,
          `mvm.app(): ${what} has no key "${e.key}"; it takes name, hooks`,
        );
        ok = false;
      }
    }
    rows.push([origins.object(item.node, out), item.node]);
  });
  return ok ? origins.array(v.node, rows) : undefined;
}
