// The error catalogue, one file per stage so each stage adds its rows without touching the others.
// docs/errors.md is generated from this table (npm run docs:errors).
import { buildCodes } from "./build.js";
import { compileCodes } from "./compile.js";
import { irCodes } from "./ir.js";
import type { CodeRow } from "./row.js";
import { runtimeCodes } from "./runtime.js";

export type { CodeRow } from "./row.js";

export const catalog: Record<string, CodeRow> = {
  ...irCodes,
  ...compileCodes,
  ...buildCodes,
  ...runtimeCodes,
};

export const catalogSections: { title: string; rows: Record<string, CodeRow> }[] = [
  { title: "Workload IR validation", rows: irCodes },
  { title: "Compile (declarations, recordings, staging)", rows: compileCodes },
  { title: "Build", rows: buildCodes },
  { title: "Runtime (up, invoke, exec, fs, down)", rows: runtimeCodes },
];

export function catalogEntry(code: string): CodeRow | undefined {
  return Object.hasOwn(catalog, code) ? catalog[code] : undefined;
}
