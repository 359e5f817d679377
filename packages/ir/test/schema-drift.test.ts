// The checked-in JSON Schema must be exactly what the zod definition generates today.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderWorkloadSchema, SCHEMA_FILE } from "../scripts/gen-schema.js";

test("schema/workload.schema.json matches the zod definition", () => {
  const onDisk = readFileSync(SCHEMA_FILE, "utf8");
  const fresh = renderWorkloadSchema();
  assert.ok(
    onDisk === fresh,
    "packages/ir/schema/workload.schema.json is out of date with src/schema.ts; regenerate it with\n" +
      "  node --import tsx packages/ir/scripts/gen-schema.ts\nand commit the result",
  );
});

// A loose view of the generated schema, enough for the assertions below.
type JsonSchema = { [k: string]: JsonSchema } & {
  $schema?: string;
  $id?: string;
  title?: string;
  additionalProperties?: boolean;
  required?: string[];
  pattern?: string;
  default?: unknown;
  enum?: string[];
};

test("the schema names itself and pins the id pattern and unknown-field rule", () => {
  const s = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as JsonSchema;
  assert.equal(s.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(typeof s.$id, "string");
  assert.equal(s.title, "mvm Workload IR");
  assert.equal(s.additionalProperties, false);
  assert.deepEqual(s.required, ["schema_version", "id", "apps"]);
  assert.equal(s.properties.id.pattern, "^[a-z][a-z0-9-]{0,62}$");
  const app = s.properties.apps.items;
  assert.equal(app.additionalProperties, false);
  assert.deepEqual(app.properties.resources.properties.memory_mb.default, 256);
  assert.deepEqual(app.properties.threat_tier.enum, ["untrusted", "trusted"]);
});
