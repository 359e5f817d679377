// The TypeScript declaration frontend: finds `mvm.app({...})(fn)` (and `mvm.workload({id})`) in a
// file, reads it without importing or running anything, and returns the IR-shaped value with every
// problem found and a locator from IR paths back to the source.
import { type Diagnostic, diagnostic, type ErrorCode, type Locator, type PathSegment } from "@mvm/ir";
import { type At, buildApp, buildWorkload, helperName, lowerHelper } from "@mvm/ir/declare";
import type { FrontendResult } from "../types.js";
import { locationOf, type Node, parseTypeScript, sourceOf, unwrap, walk } from "./ast.js";
import { isSandboxCreate, type SdkBindings, sdkBindings, sdkExportOf } from "./imports.js";
import { type LiteralContext, readValue } from "./literals.js";

const LANGUAGE = "node";

/** The module an entrypoint imports: the file name without its directory and last extension. */
export function fileStem(file: string): string {
  const base = file.replace(/\\/g, "/").split("/").pop() ?? file;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

interface Calls {
  apps: Node[];
  workloads: Node[];
  sandboxCreate: boolean;
}

function findCalls(program: Node, sdk: SdkBindings): Calls {
  const out: Calls = { apps: [], workloads: [], sandboxCreate: false };
  walk(program, (n) => {
    if (n.type !== "CallExpression") return;
    const exported = sdkExportOf(unwrap(n.callee), sdk);
    if (exported === "app") out.apps.push(n);
    else if (exported === "workload") out.workloads.push(n);
    else if (isSandboxCreate(n, sdk)) out.sandboxCreate = true;
  });
  return out;
}

/** Parent links, built once, to see what an app() call is wrapped in and assigned to. */
function parents(program: Node): Map<Node, Node> {
  const m = new Map<Node, Node>();
  walk(program, (n, p) => {
    if (p) m.set(n, p);
  });
  return m;
}

/** Climbs over parentheses and type assertions. */
function outer(n: Node, up: Map<Node, Node>): { node: Node; parent: Node | undefined } {
  let cur = n;
  let p = up.get(cur);
  while (p && unwrap(p) !== p && unwrap(p) === unwrap(cur)) {
    cur = p;
    p = up.get(cur);
  }
  return { node: cur, parent: p };
}

interface Target {
  /** The outer call `app({...})(fn)`. */
  wrap: Node;
  fn: Node | undefined;
  name?: string;
  nameAt?: Node;
}

/** Finds what app({...}) wraps and the name it gets: the const it is assigned to, else the function's. */
function targetOf(appCall: Node, up: Map<Node, Node>): Target | undefined {
  const { node, parent } = outer(appCall, up);
  if (parent?.type !== "CallExpression" || parent.callee !== node) return undefined;
  const fn = parent.arguments[0] as Node | undefined;
  const t: Target = { wrap: parent, fn };
  const assigned = outer(parent, up).parent;
  if (assigned?.type === "VariableDeclarator" && assigned.id.type === "Identifier") {
    t.name = assigned.id.name;
    t.nameAt = assigned.id;
  } else if (fn) {
    const f = unwrap(fn);
    if (f.type === "FunctionExpression" && f.id) {
      t.name = f.id.name;
      t.nameAt = f.id;
    } else if (f.type === "Identifier") {
      t.name = f.name;
      t.nameAt = f;
    }
  }
  return t;
}

export async function extractTypeScript(text: string, file: string): Promise<FrontendResult> {
  return extractTypeScriptSync(text, file);
}

export function extractTypeScriptSync(text: string, file: string): FrontendResult {
  const parsed = parseTypeScript(text, file);
  const diagnostics: Diagnostic[] = [];
  const at = (n: At) => locationOf(parsed, (n as Node).start);
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) {
      const loc = locationOf(parsed, e.start);
      diagnostics.push(
        diagnostic("E_SYNTAX", undefined, `${file}:${loc.line}:${loc.column}: ${e.message}`, {
          location: loc,
        }),
      );
    }
    // A file that does not parse is never guessed at; it may still look like a declaration.
    return {
      diagnostics,
      hasDeclaration: /\bapp\s*\(/.test(text) && text.includes("mvm-sdk"),
      hasSandboxCreate: false,
    };
  }
  const report = (code: ErrorCode, n: At, detail: string, hint?: string) => {
    const loc = at(n);
    diagnostics.push(diagnostic(code, undefined, detail, { location: loc, ...(hint ? { hint } : {}) }));
  };
  const sdk = sdkBindings(parsed.program);
  const calls = findCalls(parsed.program, sdk);
  const base = { hasDeclaration: calls.apps.length > 0, hasSandboxCreate: calls.sandboxCreate };
  if (calls.apps.length === 0) {
    if (!calls.sandboxCreate) {
      diagnostics.push(
        diagnostic(
          "E_NO_DECLARATION",
          undefined,
          `${file}: no mvm.app({...})(fn) declaration (imported from "mvm-sdk") was found`,
          {
            location: { file },
          },
        ),
      );
    }
    return { diagnostics, ...base };
  }
  for (const extra of calls.apps.slice(1)) {
    report(
      "E_MULTIPLE_DECLARATIONS",
      extra,
      `a second app() declaration; the first is at line ${at(calls.apps[0]).line}`,
    );
  }
  for (const extra of calls.workloads.slice(1)) {
    report(
      "E_MULTIPLE_DECLARATIONS",
      extra,
      `a second workload() call; the first is at line ${at(calls.workloads[0]).line}`,
    );
  }
  const cx: LiteralContext = { file: parsed, sdk, report, language: LANGUAGE };
  const marks = new Map<string, { path: PathSegment[]; at: Node }>();
  const mark = (path: PathSegment[], n: At) => {
    if (n) marks.set(JSON.stringify(path), { path, at: n as Node });
  };

  const appCall = calls.apps[0]!;
  const up = parents(parsed.program);
  const target = targetOf(appCall, up);
  if (!target) {
    report(
      "E_BAD_KWARG",
      appCall,
      `\`${sourceOf(parsed, appCall)}\` must wrap a function: app({...})(fn)`,
      "write mvm.app({...})((args) => ...) or mvm.app({...})(function name(args) {...})",
    );
  } else if (!target.fn || target.wrap.arguments.length !== 1) {
    report("E_BAD_KWARG", target.wrap, "app({...}) wraps exactly one function: app({...})(fn)");
  }

  const workloadId = readWorkload(cx, calls.workloads[0], mark);
  if (appCall.arguments.length !== 1) {
    report("E_BAD_KWARG", appCall, "app() takes one options object: app({ image: ..., ... })(fn)");
  }
  const opts = appCall.arguments[0] ? readValue(cx, appCall.arguments[0]) : undefined;
  const app = buildApp(
    opts,
    { module: fileStem(file), language: LANGUAGE, functionName: target?.name, functionAt: target?.nameAt },
    appCall,
    report,
    mark,
  );
  if (app && app.name === undefined && target) {
    report(
      "E_MISSING_KWARG",
      appCall,
      "app(): name is required when the wrapped function has no name",
      'add name: "my-app", or assign the app to a const',
    );
  }
  mark([], appCall);
  const locate: Locator = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const hit = marks.get(JSON.stringify(path.slice(0, n)));
      if (hit) return at(hit.at);
    }
    return undefined;
  };
  const failed = diagnostics.some((d) => d.severity === "error");
  if (failed || !app || app.name === undefined) return { diagnostics, locate, ...base };
  return { value: buildWorkload(app, workloadId), diagnostics, locate, ...base };
}

function readWorkload(
  cx: LiteralContext,
  call: Node | undefined,
  mark: (p: PathSegment[], n: At) => void,
): string | undefined {
  if (!call) return undefined;
  const args = (call.arguments as Node[]).map((a) => readValue(cx, a));
  const called = sdkExportOf(unwrap(call.callee), cx.sdk) ?? "workload";
  const lowered = lowerHelper(helperName(called) ?? "workload", called, args, call, LANGUAGE, cx.report);
  if (lowered.t !== "helper") return undefined;
  const idArg = args[0]?.t === "obj" ? args[0].props.find((p) => p.key === "id")?.value.at : undefined;
  mark(["id"], idArg ?? call);
  return (lowered.ir as { id: string }).id;
}
