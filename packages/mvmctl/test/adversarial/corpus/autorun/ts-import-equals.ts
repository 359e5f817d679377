// import mvm = require("mvm-sdk")
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");
import mvm = require("mvm-sdk");

export const f = mvm.app({ name: "evil" })(() => "x");
if (Math.random() > 2) await mvm.Sandbox.create("node-22");
