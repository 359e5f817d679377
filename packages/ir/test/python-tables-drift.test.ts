// python/mvm/_tables.py is generated from the declaration core's tables; it must be current.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PYTHON_TABLES_FILE, renderPythonTables } from "../scripts/gen-python-tables.js";

test("python/mvm/_tables.py matches packages/ir/src/declare/tables.ts", () => {
  assert.ok(
    readFileSync(PYTHON_TABLES_FILE, "utf8") === renderPythonTables(),
    "python/mvm/_tables.py is out of date with packages/ir/src/declare/tables.ts; regenerate it with\n" +
      "  npm run python:tables\nand commit the result",
  );
});
