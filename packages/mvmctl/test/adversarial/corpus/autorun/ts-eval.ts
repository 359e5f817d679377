// eval of a declaration in a string
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import { Sandbox } from "mvm-sdk";

eval("1");
if (Math.random() > 2) await Sandbox.create("node-22");
