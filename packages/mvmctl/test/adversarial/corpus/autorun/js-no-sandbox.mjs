// No declaration and no Sandbox at all: nothing to compile, and nothing is run.
import { writeFileSync } from "node:fs";

writeFileSync(process.env.MVM_TEST_MARKER, "ran");
console.log("hello");
