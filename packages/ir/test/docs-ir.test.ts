// docs/ir.md quotes the corpus and names every code; keep it honest.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { irCodes } from "../src/catalog/ir.js";

const doc = readFileSync(new URL("../../../docs/ir.md", import.meta.url), "utf8");
const corpus = (f: string) => readFileSync(new URL(`./corpus/valid/${f}`, import.meta.url), "utf8");

test("the worked example in docs/ir.md is the corpus's minimal-command bytes and hash", () => {
  assert.ok(doc.includes(corpus("minimal-command.canonical.json")), "canonical bytes quoted in docs/ir.md");
  assert.ok(doc.includes(corpus("minimal-command.hash").trim()), "ir_hash quoted in docs/ir.md");
});

test("docs/ir.md has an example row for every IR catalogue code", () => {
  for (const code of Object.keys(irCodes)) {
    assert.ok(
      doc.split("\n").some((l) => l.startsWith(`| \`${code}\``)),
      `${code} has no row in docs/ir.md`,
    );
  }
});
