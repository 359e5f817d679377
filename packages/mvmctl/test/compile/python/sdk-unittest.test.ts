// Runs the Python SDK's own unittest suite (python/tests) so that `npm test` covers it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { REPO, runPython } from "./helpers.js";

test("python/tests: python3 -m unittest", () => {
  const r = runPython(["-m", "unittest", "discover", "-s", join(REPO, "python/tests"), "-p", "test_*.py"]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /Ran \d+ tests/);
});
