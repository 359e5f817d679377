// The declaration core exists twice (the SDK cannot import mvmctl, mvmctl never imports the SDK);
// the two copies must not drift.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";

test("packages/sdk/src/declare.ts and the TypeScript frontend's copy are identical", () => {
  const sdk = readFileSync(resolve(import.meta.dirname, "../src/declare.ts"), "utf8");
  const frontend = readFileSync(resolve(import.meta.dirname, "../../mvmctl/src/compile/frontends/typescript/declare.ts"), "utf8");
  assert.equal(frontend, sdk, "copy packages/sdk/src/declare.ts over the frontend's declare.ts");
});
