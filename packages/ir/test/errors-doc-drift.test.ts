// docs/errors.md is generated from the catalogue; it must list every code, as the catalogue is now.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERRORS_DOC_FILE, renderErrorsDoc } from "../scripts/gen-errors-doc.js";
import { catalog } from "../src/catalog/index.js";

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
  const spec = [
    "E_MALFORMED_VERSION",
    "E_UNSUPPORTED_MAJOR",
    "E_MINOR_TOO_HIGH",
    "E_UNKNOWN_FIELD",
    "E_MALFORMED_MANIFEST",
    "E_INVALID_ID",
    "E_EMPTY_APPS",
    "E_MULTI_APP_DEFERRED",
    "E_SOURCE_KIND_DEFERRED",
    "E_SECRET_WITHOUT_BINDING",
    "E_NETWORK_PORTS_WITH_NONE",
    "E_NETWORK_WILDCARD",
    "E_NETWORK_INVALID_PORT",
    "E_INGRESS_INVALID_MAPPING",
    "E_INGRESS_DUPLICATE_MAPPING",
    "E_INGRESS_DUPLICATE_BIND",
    "E_INGRESS_GUEST_NOT_LOOPBACK",
    "E_FUNCTION_NETWORK_HOST_FORBIDDEN",
    "E_UNSUPPORTED_LANGUAGE",
    "E_SHELL_ENTRYPOINT_FORBIDDEN",
    "E_NO_PRIMARY_ENTRYPOINT",
    "E_MULTIPLE_PRIMARY_ENTRYPOINTS",
    "E_DUPLICATE_ENTRYPOINT_FUNCTION",
    "E_SECRET_IN_SCHEMA",
    "E_PERSIST_DEFERRED",
    "E_LOCKFILE_NOT_FOUND",
    "E_UNPINNED_DEPS",
    "E_FUNCTION_NOT_FOUND",
    "E_SOURCE_PATH_NOT_FOUND",
    "E_SOURCE_OUT_OF_TREE_SYMLINK",
    "E_SOURCE_GLOB_INVALID",
    "E_COMPILE_OUTPUT_EXISTS_NOT_DIR",
    // spec §4 parser codes
    "E_SYNTAX",
    "E_NO_DECLARATION",
    "E_MULTIPLE_DECLARATIONS",
    "E_NON_LITERAL",
    "E_UNKNOWN_HELPER",
    "E_UNKNOWN_KWARG",
    "E_MISSING_KWARG",
    "E_BAD_KWARG",
  ];
  for (const code of spec) assert.ok(Object.hasOwn(catalog, code), `${code} is missing from the catalogue`);
  assert.equal(catalog.E_SECRET_WITHOUT_BINDING!.severity, "warning");
});
