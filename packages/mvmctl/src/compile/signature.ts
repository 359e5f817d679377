// A function entrypoint's parameters, read from the bundled source at compile time so that
// `mvmctl invoke --input k=v` can map keyword arguments in any guest language.
export type ParamKind = "normal" | "keyword_only" | "var_positional" | "var_keyword";

export interface Param {
  name: string;
  kind: ParamKind;
  /** False when the parameter has a default (or is variadic). */
  required: boolean;
}

/** A function found in a module: its params, or null when found but its signature is unknown. */
export interface FoundFunction {
  params: Param[] | null;
}
