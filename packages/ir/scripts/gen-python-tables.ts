// Generates python/mvm/_tables.py, the Python SDK's copy of the declaration data (helper
// signatures, enums, defaults, limits), from packages/ir/src/declare/tables.ts. Run:
//   npm run python:tables
// test/python-tables-drift.test.ts fails when the checked-in file differs from what this prints.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  APP_KEYS,
  APP_SIGNATURE,
  DEFAULTS,
  ENUMS,
  HELPER_SIGNATURES,
  HOOK_PHASES,
  ID_SOURCE,
  PORT_KEYS,
  PORT_REQUIRED,
  RESOURCE_LIMITS,
} from "../src/declare/tables.js";

export const PYTHON_TABLES_FILE = fileURLToPath(new URL("../../../python/mvm/_tables.py", import.meta.url));

/** A JSON value as a Python literal (lists become tuples: the tables are read-only). */
function py(v: unknown, indent = ""): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return String(v);
  const inner = `${indent}    `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "()";
    const items = v.map((x) => py(x, inner));
    const flat = `(${items.join(", ")}${v.length === 1 ? "," : ""})`;
    return flat.length <= 80 ? flat : `(\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent})`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${py(x, inner)},`).join("\n")}\n${indent}}`;
}

export function renderPythonTables(): string {
  const signatures: Record<string, unknown> = {
    app: [APP_SIGNATURE.positional, APP_SIGNATURE.keys, APP_SIGNATURE.required],
  };
  for (const [name, s] of Object.entries(HELPER_SIGNATURES))
    signatures[name] = [s.positional, s.keys, s.required];
  const table = (name: string, value: unknown, doc: string) => `# ${doc}\n${name} = ${py(value)}\n`;
  return [
    "# Generated from packages/ir/src/declare/tables.ts by packages/ir/scripts/gen-python-tables.ts;",
    "# do not edit. Regenerate with `npm run python:tables` (a drift test fails when this is stale).",
    '"""The declaration data the Python SDK shares with the TypeScript declaration core."""',
    "",
    "from __future__ import annotations",
    "",
    table(
      "SIGNATURES",
      signatures,
      "helper -> (positional parameters in order, every accepted name, required names)",
    ),
    table("APP_KEYS", APP_KEYS, "app()'s keywords (image is required, checked when the app is built)"),
    table("HOOK_PHASES", HOOK_PHASES, "hook phases of an app and of each addon"),
    table("ENUMS", ENUMS, "closed sets of strings (E_BAD_KWARG when a declaration gives another)"),
    table("PORT_KEYS", PORT_KEYS, "the keys of a network(ports=[...]) entry"),
    table("PORT_REQUIRED", PORT_REQUIRED, "the keys a port forward cannot do without"),
    table("DEFAULTS", DEFAULTS, "every default of the helpers and of the IR"),
    table("RESOURCE_LIMITS", RESOURCE_LIMITS, "inclusive ranges (E_RESOURCES_OUT_OF_RANGE)"),
    table("ID_PATTERN", ID_SOURCE, "app, addon and workload ids (E_INVALID_ID)"),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PYTHON_TABLES_FILE, renderPythonTables());
  console.log(`wrote ${PYTHON_TABLES_FILE}`);
}
