// const declare = mvm.app
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import * as mvm from "mvm-sdk";

const declare = mvm.app;
export const f = declare({ name: "evil" })(() => "x");
if (Math.random() > 2) await mvm.Sandbox.create("node-22");
