// const { app } = mvm
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import * as mvm from "mvm-sdk";

const { app } = mvm;
export const f = app({ name: "evil" })(() => "x");
if (Math.random() > 2) await mvm.Sandbox.create("node-22");
