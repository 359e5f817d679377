// The error catalogue, one file per stage so each stage adds its rows without touching the others.
// docs/errors.md is generated from this table (npm run docs:errors).
import { buildCodes } from "./build.js";
import { compileCodes } from "./compile.js";
import { irCodes } from "./ir.js";
import type { CodeRow } from "./row.js";
import { runtimeCodes } from "./runtime.js";
import { snapshotCodes } from "./snapshot.js";

export type { CodeRow } from "./row.js";

/**
 * Every code mvm can report. MvmError takes only these, so a mistyped or uncatalogued code does not
 * compile; a test checks that every code literal in the code base is here.
 */
export type ErrorCode =
  | keyof typeof irCodes
  | keyof typeof compileCodes
  | keyof typeof buildCodes
  | keyof typeof runtimeCodes
  | keyof typeof snapshotCodes;

export const catalog: Record<ErrorCode, CodeRow> = {
  ...irCodes,
  ...compileCodes,
  ...buildCodes,
  ...runtimeCodes,
  ...snapshotCodes,
};

export const catalogSections: { title: string; rows: Record<string, CodeRow> }[] = [
  { title: "Workload IR validation", rows: irCodes },
  { title: "Compile (declarations, recordings, staging)", rows: compileCodes },
  { title: "Build", rows: buildCodes },
  { title: "Runtime (up, invoke, exec, fs, down)", rows: runtimeCodes },
  { title: "Snapshots (up, snapshot)", rows: snapshotCodes },
];

export function catalogEntry(code: string): CodeRow | undefined {
  return isErrorCode(code) ? catalog[code] : undefined;
}

/** For codes that arrive as data (a recording, a guest reply, another process's JSON). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(catalog, code);
}
