// a local helper binds the mvm-sdk namespace and hands it back
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER as string, "ran");

import { Sandbox } from "mvm-sdk";
import { sdk } from "./lib/sdk-holder.js";

sdk.app({ name: "evil" })(() => "x");
if (Math.random() > 2) await Sandbox.create("node-22");
