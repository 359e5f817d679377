// Generates schema/workload.schema.json from the zod definition (src/schema.ts), the single source
// of truth. Run: node --import tsx packages/ir/scripts/gen-schema.ts   (test/schema-drift.test.ts
// fails when the checked-in file differs from what this prints).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ID_PATTERN, Id, MAX_MINOR, SUPPORTED_MAJOR, Workload } from "../src/schema.js";

export const SCHEMA_ID = "urn:mvm:workload-ir:0";
export const SCHEMA_FILE = fileURLToPath(new URL("../schema/workload.schema.json", import.meta.url));

/** The JSON Schema text (pretty, keys in a stable order, trailing newline). */
export function renderWorkloadSchema(): string {
  const generated = z.toJSONSchema(Workload, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
    override: (ctx) => {
      // Ids are checked with a refine (so they get their own error code); state the pattern here.
      if (ctx.zodSchema === Id) ctx.jsonSchema.pattern = ID_PATTERN.source;
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const props = rest.properties as Record<string, Record<string, unknown>>;
  props.schema_version = {
    ...props.schema_version,
    pattern: "^\\d+\\.\\d+$",
    description: `MAJOR.MINOR; this host reads ${SUPPORTED_MAJOR}.x with x <= ${MAX_MINOR}`,
  };
  const doc = {
    $schema,
    $id: SCHEMA_ID,
    title: "mvm Workload IR",
    description:
      "Generated from packages/ir/src/schema.ts by packages/ir/scripts/gen-schema.ts; do not edit. Shape only: cross-field rules (docs/ir.md, section Validation) are checked by validateWorkload.",
    ...rest,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderWorkloadSchema());
  console.error(`wrote ${SCHEMA_FILE}`);
}
