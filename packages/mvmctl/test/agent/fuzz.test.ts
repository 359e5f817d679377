// The agent's parsers under ASan/UBSan: C unit tests, the seed corpus replayed without
// libFuzzer, then a short bounded libFuzzer run per target (frame, request/runtime.json).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { agentDir } from "./harness.js";

const hasClang = spawnSync("clang", ["--version"]).status === 0;

describe("agent parsers", () => {
  it("pass the C unit tests and replay the corpus under sanitizers", () => {
    const out = execFileSync("make", ["-s", "-C", agentDir, "test"], { encoding: "utf8" });
    assert.match(out, /unit: all checks passed/);
    assert.match(out, /replayed [1-9]\d* input\(s\)/);
  });

  it("survive a bounded libFuzzer run", {
    skip: hasClang ? false : "clang not installed",
    timeout: 120_000,
  }, () => {
    const r = spawnSync("make", ["-s", "-C", agentDir, "fuzz", "FUZZ_SECONDS=10"], { encoding: "utf8" });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, out);
    assert.equal((out.match(/^Done \d+ runs/gm) ?? []).length, 2, out);
    assert.doesNotMatch(out, /ERROR: (AddressSanitizer|libFuzzer)|runtime error:/);
  });
});
