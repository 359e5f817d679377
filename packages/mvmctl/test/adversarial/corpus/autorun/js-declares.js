// A .js file with a literal declaration: read statically like .ts, never run.
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER, "ran");

import * as mvm from "mvm-sdk";

export const hello = mvm.app({ name: "js-hello", image: mvm.nodeImage({ node: "22" }) })(function hello() {
  return "hi";
});
