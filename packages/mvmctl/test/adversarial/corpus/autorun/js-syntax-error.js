// does not parse: refused, never run
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER, "ran");

import { Sandbox } from "mvm-sdk";

await Sandbox.create("node-22"
