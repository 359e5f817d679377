// docs/errors.md is generated from the catalogue; it must list every code, as the catalogue is now.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERRORS_DOC_FILE, renderErrorsDoc } from "../scripts/gen-errors-doc.js";
import { catalog } from "../src/catalog/index.js";
import { COMPILE_STAGE_CODES, PARSER_CODES, VALIDATION_CODES } from "./spec-codes.js";

test("docs/errors.md matches the error catalogue", () => {
  const onDisk = readFileSync(ERRORS_DOC_FILE, "utf8");
  assert.ok(
    onDisk === renderErrorsDoc(),
    "docs/errors.md is out of date with packages/ir/src/catalog/; regenerate it with\n" +
      "  node --import tsx packages/ir/scripts/gen-errors-doc.ts\nand commit the result",
  );
});

test("every catalogue code has exactly one row in docs/errors.md", () => {
  const doc = renderErrorsDoc();
  for (const code of Object.keys(catalog)) {
    const rows = doc.split("\n").filter((l) => l.startsWith(`| \`${code}\` |`));
    assert.equal(rows.length, 1, `${code} should have one row`);
  }
});

test("every code of spec/workload-ir.md section 3 is in the catalogue", () => {
  const spec = [...VALIDATION_CODES, ...COMPILE_STAGE_CODES, ...PARSER_CODES];
  for (const code of spec) assert.ok(Object.hasOwn(catalog, code), `${code} is missing from the catalogue`);
  assert.equal(catalog.E_SECRET_WITHOUT_BINDING!.severity, "warning");
});
