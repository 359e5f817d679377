// Shape problems are described in mvm's words, chosen by the zod issue's kind (not by matching
// zod's message text, which changes between releases).
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateWorkload } from "../src/validate.js";

const base = {
  schema_version: "0.1",
  id: "w",
  apps: [
    {
      name: "a",
      source: { kind: "local_path", path: "." },
      image: { kind: "nix_packages", packages: [1] },
      resources: { cpu_cores: 1, memory_mb: "lots" },
      network: { mode: "weird" },
      entrypoints: [{ kind: "command", command: ["true"] }],
    },
  ],
};

test("each kind of shape problem gets its own detail, none of them zod's text", () => {
  const { diagnostics } = validateWorkload(base);
  const byPath = Object.fromEntries(diagnostics.map((d) => [d.path, d.detail]));
  assert.equal(byPath[".apps[0].image.packages[0]"], "expected string, got a number");
  assert.equal(byPath[".apps[0].resources.memory_mb"], "expected number, got a string");
  assert.match(byPath[".apps[0].network.mode"] ?? "", /^must be one of "none", "bridge", "host"$/);
  for (const d of diagnostics) assert.doesNotMatch(d.detail, /Invalid input|received/, d.detail);
});

test("a missing field is told apart from a wrong type by looking at the document", () => {
  const { diagnostics } = validateWorkload({ ...base, id: undefined });
  const d = diagnostics.find((x) => x.path === ".id");
  assert.equal(d?.detail, "missing required field (string)");
  const typed = validateWorkload({ ...base, id: null }).diagnostics.find((x) => x.path === ".id");
  assert.equal(typed?.detail, "expected string, got null");
});
