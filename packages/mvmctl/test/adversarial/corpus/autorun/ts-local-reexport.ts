// a local file re-exports mvm-sdk
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import { Sandbox } from "mvm-sdk";
import { app } from "./lib/reexport.js";

export const f = app({ name: "evil" })(() => "x");
if (Math.random() > 2) await Sandbox.create("node-22");
