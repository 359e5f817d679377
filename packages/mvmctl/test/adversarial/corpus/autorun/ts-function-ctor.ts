// new Function(...)
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import { Sandbox } from "mvm-sdk";

new Function("return 1")();
if (Math.random() > 2) await Sandbox.create("node-22");
