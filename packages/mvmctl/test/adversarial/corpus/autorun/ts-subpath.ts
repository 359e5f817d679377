// an mvm-sdk subpath
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import { Sandbox } from "mvm-sdk";
import { app } from "mvm-sdk/dist/app.js";

export const f = app({ name: "evil" })(() => "x");
if (Math.random() > 2) await Sandbox.create("node-22");
