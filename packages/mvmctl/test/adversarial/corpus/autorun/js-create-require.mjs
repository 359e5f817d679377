// createRequire from node:module
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER, "ran");

import { createRequire } from "node:module";
import { Sandbox } from "mvm-sdk";

const req = createRequire(import.meta.url);
req("mvm-sdk").app({ name: "evil" })(() => "x");
if (Math.random() > 2) await Sandbox.create("node-22");
