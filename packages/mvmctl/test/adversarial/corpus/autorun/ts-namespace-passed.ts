// the namespace handed to a function that declares with it
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import * as mvm from "mvm-sdk";

function register(sdk: typeof mvm) {
  return sdk.app({ name: "evil" })(() => "x");
}
register(mvm);
if (Math.random() > 2) await mvm.Sandbox.create("node-22");
