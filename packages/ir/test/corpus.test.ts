// Walks the IR corpus (test/corpus/). Valid documents must validate and produce the checked-in
// canonical bytes and ir_hash; invalid ones must report exactly the expected {code, path} list
// (line:col for JSON syntax errors). MVM_ACCEPT=1 rewrites the expected files — review the diff:
// expected values follow spec/workload-ir.md, not whatever the code happens to do.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { catalog } from "../src/catalog/index.js";
import type { Diagnostic } from "../src/errors.js";
import { validateWorkloadText } from "../src/validate.js";
import { irHash, workloadCanonicalJson } from "../src/workload.js";
import { VALIDATION_CODES } from "./spec-codes.js";

const ROOT = fileURLToPath(new URL("./corpus/", import.meta.url));
const VALID = join(ROOT, "valid");
const INVALID = join(ROOT, "invalid");
const ACCEPT = process.env.MVM_ACCEPT === "1";

/** Input documents: <name>.json, not the expected files next to them. */
function inputs(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".canonical.json") && !f.endsWith(".expected.json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

interface Expected {
  code: string;
  path?: string;
  line?: number;
  column?: number;
  severity?: "warning";
}

/** The comparable part of a diagnostic. Order of reporting is not part of the contract. */
function summarize(ds: Diagnostic[]): Expected[] {
  return ds
    .map((d) => {
      const e: Expected = { code: d.code };
      if (d.path !== undefined) e.path = d.path;
      // JSON syntax errors have no IR path; their place is line:col.
      if (d.path === undefined && d.location?.line !== undefined) {
        e.line = d.location.line;
        e.column = d.location.column;
      }
      if (d.severity === "warning") e.severity = "warning";
      return e;
    })
    .sort((a, b) =>
      `${a.path ?? ""} ${a.code}` < `${b.path ?? ""} ${b.code}`
        ? -1
        : `${a.path ?? ""} ${a.code}` > `${b.path ?? ""} ${b.code}`
          ? 1
          : 0,
    );
}

function sorted(es: Expected[]): Expected[] {
  return summarize(
    es.map(
      (e) =>
        ({
          ...e,
          detail: "",
          severity: e.severity ?? "error",
          location: e.line === undefined ? undefined : { file: "", line: e.line, column: e.column },
        }) as Diagnostic,
    ),
  );
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe("valid corpus", () => {
  const names = inputs(VALID);
  test("has enough documents", () => assert.ok(names.length >= 15, `${names.length} valid documents`));
  for (const name of names) {
    test(name, () => {
      const text = readFileSync(join(VALID, `${name}.json`), "utf8");
      const r = validateWorkloadText(text, `${name}.json`);
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      assert.deepEqual(errors, [], "a valid document must have no errors");
      assert.ok(r.workload);
      const canonical = workloadCanonicalJson(r.workload);
      const hash = irHash(r.workload);
      const canonFile = join(VALID, `${name}.canonical.json`);
      const hashFile = join(VALID, `${name}.hash`);
      const warnFile = join(VALID, `${name}.expected.json`);
      if (ACCEPT) {
        writeFileSync(canonFile, canonical);
        writeFileSync(hashFile, `${hash}\n`);
        const warnings = summarize(r.diagnostics);
        if (warnings.length > 0) writeFileSync(warnFile, `${JSON.stringify(warnings, null, 2)}\n`);
      }
      const expectedCanonical = readFileSync(canonFile);
      assert.equal(expectedCanonical.at(-1) === 0x0a, false, "canonical bytes have no trailing newline");
      assert.equal(canonical, expectedCanonical.toString("utf8"));
      const expectedHash = readFileSync(hashFile, "utf8").trim();
      assert.match(expectedHash, /^[0-9a-f]{64}$/);
      // ir_hash is the sha256 of the checked-in canonical bytes, computed independently here.
      assert.equal(
        sha256(expectedCanonical),
        expectedHash,
        "the .hash file is the sha256 of the .canonical.json bytes",
      );
      assert.equal(hash, expectedHash);
      // Idempotence: canonical text is itself valid IR and canonicalizes to itself.
      const again = validateWorkloadText(canonical, `${name}.canonical.json`);
      assert.ok(again.workload, "canonical output validates");
      assert.equal(workloadCanonicalJson(again.workload), canonical);
      const warnings = existsSync(warnFile) ? (JSON.parse(readFileSync(warnFile, "utf8")) as Expected[]) : [];
      assert.deepEqual(summarize(r.diagnostics), sorted(warnings), "warnings");
    });
  }
});

describe("invalid corpus", () => {
  const names = inputs(INVALID);
  test("has enough documents", () => assert.ok(names.length >= 25, `${names.length} invalid documents`));
  for (const name of names) {
    test(name, () => {
      const text = readFileSync(join(INVALID, `${name}.json`), "utf8");
      const r = validateWorkloadText(text, `${name}.json`);
      const got = summarize(r.diagnostics);
      const file = join(INVALID, `${name}.expected.json`);
      if (ACCEPT) writeFileSync(file, `${JSON.stringify(got, null, 2)}\n`);
      const expected = JSON.parse(readFileSync(file, "utf8")) as Expected[];
      assert.ok(expected.length > 0, "an invalid document expects at least one problem");
      assert.equal(r.workload, undefined, "an invalid document yields no workload");
      assert.deepEqual(got, sorted(expected));
      for (const d of r.diagnostics) {
        assert.ok(Object.hasOwn(catalog, d.code), `${d.code} is a catalogue code`);
        assert.ok(d.detail.length > 0 && d.hint && d.hint.length > 0, `${d.code} has a detail and a hint`);
      }
    });
  }

  test("covers every validation code of spec section 3", () => {
    const seen = new Set<string>();
    for (const name of names) {
      for (const e of JSON.parse(readFileSync(join(INVALID, `${name}.expected.json`), "utf8")) as Expected[])
        seen.add(e.code);
    }
    for (const name of inputs(VALID)) {
      const f = join(VALID, `${name}.expected.json`);
      if (existsSync(f)) for (const e of JSON.parse(readFileSync(f, "utf8")) as Expected[]) seen.add(e.code);
    }
    // The remaining §3 codes need the source tree or the output dir; the compile stage reports them.
    const validationCodes: readonly string[] = VALIDATION_CODES;
    const missing = validationCodes.filter((c) => !seen.has(c));
    assert.deepEqual(missing, [], "codes no corpus document exercises");
  });
});

test("every default written out gives the same bytes as every default left out", () => {
  const hash = (n: string) => readFileSync(join(VALID, `${n}.hash`), "utf8");
  assert.equal(hash("minimal-command-explicit-defaults"), hash("minimal-command"));
  assert.equal(hash("minimal-function-explicit-defaults"), hash("minimal-function"));
});
