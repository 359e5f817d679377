// globalThis["ev" + "al"]
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER, "ran");

import { Sandbox } from "mvm-sdk";

globalThis["ev" + "al"]("1");
if (Math.random() > 2) await Sandbox.create("node-22");
