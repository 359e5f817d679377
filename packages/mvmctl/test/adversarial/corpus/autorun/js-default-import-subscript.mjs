// the default import (the same object as the namespace) and a subscript
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER, "ran");

import sdk from "mvm-sdk";

sdk["app"]({ name: "evil" })(() => "x");
if (Math.random() > 2) await sdk.Sandbox.create("node-22");
