// The meaning of a declaration, for every route that is not the Python SDK: helper arguments -> IR
// fragments, app options -> one App. The static TypeScript and Python frontends (mvmctl, over values
// read from the AST) and mvm-sdk (in-process, over the values a script passes) all call it; the
// Python SDK (python/mvm) is the one second implementation, with its tables generated from
// ./declare/tables.ts.
//
// Imported as "@mvm/ir/declare", a subpath that loads nothing else (no zod), because the SDK is also
// imported inside guests. No I/O; problems are reported, never thrown, so a static route can list
// them all. A value's position (`at`) is opaque: an AST node statically, undefined in-process.

export { type AppContext, appOptions, buildApp, buildWorkload } from "./declare/app.js";
export { bindCall, suggestion } from "./declare/bind.js";
export { helperName, helperNames, lowerCall, lowerHelper } from "./declare/helpers.js";
export { inheritOrigin, originAt, placeOf, recordOrigin } from "./declare/origins.js";
export * from "./declare/tables.js";
export {
  type At,
  describe,
  type Lit,
  type Mark,
  type Prop,
  type Report,
  toPlain,
} from "./declare/values.js";
