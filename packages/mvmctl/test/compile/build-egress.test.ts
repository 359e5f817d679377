// Build-time egress (network(build_egress=...)) through all four routes: static Python, python3
// app.py, static TypeScript and node app.ts give the same IR bytes, with the grants at
// network.build_egress and the runtime left closed (mode "none"). The diagnostics corpus holds
// the mistakes (network-build-egress-wildcard); egress-forbidden.test.ts the address policy.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fourRoutes } from "./four-routes.js";
import { CORPUS } from "./python/helpers.js";

test("build_egress: four routes give the same IR bytes", async () => {
  const dir = join(CORPUS, "build-egress");
  const outcomes = await fourRoutes(dir);
  const expected = readFileSync(join(dir, "expected.ir.json"), "utf8");
  for (const [route, o] of Object.entries(outcomes))
    assert.deepEqual(o, { ir: expected }, `${route} differs from expected.ir.json`);
  const network = JSON.parse(expected).apps[0].network;
  assert.deepEqual(network, {
    mode: "none",
    ports: [],
    build_egress: {
      allowlist: [
        { host: "files.example.com", port: 443 },
        { host: "pypi.org", port: 443 },
      ],
    },
  });
});
