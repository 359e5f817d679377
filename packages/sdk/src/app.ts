// app({...})(fn) and workload({id}) in-process: check the options now (same codes and messages as
// `mvmctl compile`), remember the declaration for emitJson(), and hand fn back unchanged.
import { type At, buildApp, type Lit, lowerHelper } from "@mvm/ir/declare";
import { collecting } from "./check.js";
import { MvmError } from "./errors.js";
import { type HookValue, LANGUAGE } from "./helpers.js";
import { fromValue, type HelperValue } from "./values.js";

/** A hook phase: the same forms as Python (see docs/declarations.md, "hooks"). */
export type HookPhaseValue = HookValue | readonly HookValue[];

/** An addon attached to the app; its hooks run before the app's own, in attachment order. */
export interface AddonOptions {
  name: string;
  hooks?: {
    before_build?: HookPhaseValue;
    before_start?: HookPhaseValue;
    after_start?: HookPhaseValue;
    before_stop?: HookPhaseValue;
  };
}

export interface AppOptions {
  name?: string;
  source?: HelperValue<"local_path">;
  image: HelperValue<"python_image" | "node_image" | "nix_packages">;
  resources?: HelperValue<"resources">;
  network?: HelperValue<"network">;
  env?: Record<string, string | HelperValue<"literal" | "secret">>;
  entrypoint?: HelperValue<"entrypoint_function" | "entrypoint">;
  entrypoints?: readonly HelperValue<"entrypoint_function" | "entrypoint">[];
  dependencies?: HelperValue<"python_deps" | "node_deps" | "no_deps">;
  addons?: readonly AddonOptions[];
  before_build?: HookPhaseValue;
  before_start?: HookPhaseValue;
  after_start?: HookPhaseValue;
  before_stop?: HookPhaseValue;
}

export interface Declaration {
  options: Lit;
  fn: (...args: never[]) => unknown;
}

/** What this process declared, in call order (more than one app is an error at emitJson()). */
export const declared = { apps: [] as Declaration[], workloadIds: [] as string[] };

const noMark = (_path: (string | number)[], _at: At) => {};

/** The default entrypoint module: the running script's file stem, as the static route uses. */
export function scriptStem(): string {
  const base = (process.argv[1] ?? "main").replace(/\\/g, "/").split("/").pop()!;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

export function app(options: AppOptions): <F extends (...args: never[]) => unknown>(fn: F) => F {
  const lit = collecting((report) => {
    const l = fromValue(options, report, "app() options");
    // The function's name is not known yet (it is resolved at emitJson()); a stand-in checks the rest.
    buildApp(
      l,
      { module: scriptStem(), language: LANGUAGE, functionName: "pending" },
      undefined,
      report,
      noMark,
    );
    return l;
  });
  return (fn) => {
    if (typeof fn !== "function") {
      throw new MvmError("E_BAD_KWARG", "app({...}) wraps exactly one function: app({...})(fn)", {
        hint: "write mvm.app({...})((args) => ...) or mvm.app({...})(function name(args) {...})",
      });
    }
    declared.apps.push({ options: lit, fn });
    return fn;
  };
}

export function workload(options: { id: string }): void {
  const out = collecting((report) =>
    lowerHelper(
      "workload",
      "workload",
      [fromValue(options, report, "workload() options")],
      undefined,
      LANGUAGE,
      report,
    ),
  );
  if (out.t === "helper") declared.workloadIds.push((out.ir as { id: string }).id);
}
