// mvm[`app`]: a computed member with a template key.
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import * as mvm from "mvm-sdk";

export const f = mvm[`app`]({ name: "evil", image: mvm.nodeImage({ node: "22" }) })(() => "x");
if (Math.random() > 2) await mvm.Sandbox.create("node-22");
