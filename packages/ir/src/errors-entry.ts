// A light entry point: the error class and the catalogue, without zod or the validator. Commands
// import from "@mvm/ir/errors" so that `mvmctl --help`, `ps` or `invoke` do not pay for loading
// the IR schema they never use.
export * from "./catalog/index.js";
export * from "./errors.js";
