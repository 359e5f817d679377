import assert from "node:assert/strict";
import { test } from "node:test";
import { findEnvelope } from "../../src/runtime/invoke.js";

test("the runner's error envelope is found in stderr, last one wins", () => {
  const stderr = 'some print\nMVM_ENVELOPE: {"kind":"ValueError","message":"boom","error_id":"ab12"}\n';
  assert.deepEqual(findEnvelope(stderr), { kind: "ValueError", message: "boom", error_id: "ab12" });
  assert.equal(findEnvelope("no envelope here\n"), undefined);
  assert.equal(findEnvelope("MVM_ENVELOPE: {not json}\n"), undefined);
  assert.equal(findEnvelope('MVM_ENVELOPE: {"kind": 1}\n'), undefined);
  const two = 'MVM_ENVELOPE: {"kind":"A","message":"first"}\nMVM_ENVELOPE: {"kind":"B","message":"second"}\n';
  assert.equal(findEnvelope(two)?.kind, "B");
});
