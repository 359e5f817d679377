// The IR validator's invalid corpus (packages/ir/test/corpus/invalid) through the Python SDK's
// validator (python/mvm/_validate.py): the same codes at the same paths.
//
// The SDK validates only what it builds itself: complete documents (every default written out)
// of the right shape. So a document goes through it when the TypeScript schema accepts its shape
// and is handed over with its defaults filled in, as the SDK would have written it.
// Documents whose problems are JSON syntax, versions, missing or unknown fields or wrong types
// cannot come out of the SDK and are left out (the test lists them, so the split stays visible).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { serializeWorkload, validateWorkloadText, Workload } from "@mvm/ir";
import { REPO, runPython } from "./helpers.js";

const INVALID = join(REPO, "packages/ir/test/corpus/invalid");
/** Codes that only a hand-written document can have; the SDK's builders never produce them. */
const SHAPE_ONLY = new Set([
  "E_MALFORMED_MANIFEST",
  "E_UNKNOWN_FIELD",
  "E_MALFORMED_VERSION",
  "E_UNSUPPORTED_MAJOR",
  "E_MINOR_TOO_HIGH",
]);

/**
 * Rules on fields the SDK never writes: args_schema/return_schema (E_SECRET_IN_SCHEMA) are added
 * by mvmctl from type hints, not declared, so the SDK's validator has no such rule.
 */
const NOT_DECLARED = new Set(["E_SECRET_IN_SCHEMA"]);

const key = (d: { code: string; path?: string }) => `${d.code} ${d.path ?? ""}`;

test("invalid IR corpus: the Python validator reports the same codes and paths", () => {
  const docs: Array<{ name: string; doc: unknown; expected: string[] }> = [];
  const left: string[] = [];
  for (const f of readdirSync(INVALID).sort()) {
    if (!f.endsWith(".json") || f.endsWith(".expected.json")) continue;
    const text = readFileSync(join(INVALID, f), "utf8");
    const ts = validateWorkloadText(text, f).diagnostics;
    if (ts.some((d) => SHAPE_ONLY.has(d.code) || NOT_DECLARED.has(d.code))) {
      left.push(f);
      continue;
    }
    // Invalid ids fail the schema too; both validators check them (see validate.ts and the
    // diagnostics corpus), but such a document has no defaulted form to hand over, so it is left out.
    const parsed = Workload.safeParse(JSON.parse(text));
    if (!parsed.success) {
      left.push(f);
      continue;
    }
    const doc = serializeWorkload(parsed.data);
    docs.push({ name: f, doc, expected: ts.map(key).sort() });
  }
  const p = runPython(
    [
      "-c",
      "import json, sys\nfrom mvm._validate import validate\nprint(json.dumps([[d['code'] + ' ' + d['path'] for d in validate(x)] for x in json.load(sys.stdin)]))",
    ],
    { input: JSON.stringify(docs.map((d) => d.doc)) },
  );
  assert.equal(p.status, 0, p.stderr);
  const got = JSON.parse(p.stdout) as string[][];
  for (const [i, d] of docs.entries()) assert.deepEqual([...got[i]!].sort(), d.expected, d.name);
  assert.ok(docs.length >= 15, `${docs.length} documents compared; left out: ${left.join(", ")}`);
});
