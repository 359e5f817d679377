// Runs the Python runner's own unittest suite (agent/runners/tests) so that `npm test` covers it:
// its JSON fast path must answer exactly as json.loads / json.dumps do.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { REPO, runPython } from "../compile/python/helpers.js";

test("agent/runners/tests: python3 -m unittest", () => {
  const r = runPython([
    "-m",
    "unittest",
    "discover",
    "-s",
    join(REPO, "agent/runners/tests"),
    "-p",
    "test_*.py",
  ]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /Ran \d+ tests/);
});
