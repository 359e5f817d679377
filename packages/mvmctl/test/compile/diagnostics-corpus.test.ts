// One diagnostics corpus for every route: each diagnostics-corpus/<case>/ holds the same mistake as
// app.py and app.ts, and expected.json the codes all four routes must report (static Python, python3
// app.py, static TypeScript, node app.ts). Codes are compared as a set: in-process routes stop at
// the first call that fails, static routes list every problem, and a case is written so that both
// see the same problems.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fourRoutes } from "./four-routes.js";

const DIR = fileURLToPath(new URL("./diagnostics-corpus/", import.meta.url));
const cases = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("diagnostics corpus: the same codes through all four routes", () => {
  test("has the cases the rules need", () => assert.ok(cases.length >= 17, `${cases.length} cases`));
  for (const name of cases) {
    test(name, async () => {
      const expected = JSON.parse(readFileSync(join(DIR, name, "expected.json"), "utf8")) as {
        codes: string[];
      };
      const outcomes = await fourRoutes(join(DIR, name));
      for (const [route, o] of Object.entries(outcomes))
        assert.deepEqual(o, { codes: [...expected.codes].sort() }, `${route}: ${JSON.stringify(o)}`);
    });
  }
});
