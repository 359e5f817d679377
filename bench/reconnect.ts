// Reconnect race check: boots `--runs` instances (cold, then restored, alternating) and makes the
// first call the moment `up` has closed its agent connection, which is when a new host's bytes can
// reach the guest before the virtio PORT_OPEN message announcing it (agent_state.h, hup_seen).
// Prints each run's boot and first-call times, whether the agent logged that it saw the next
// host's hello early, and how many first calls failed. A failure here is a protocol bug.
// Usage: node --import tsx bench/reconnect.ts [--image REF] [--arg NAME] [--runs 12]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { silentReporter } from "../packages/mvmctl/dist/cli/reporter.js";
import { down } from "../packages/mvmctl/dist/runtime/down.js";
import { invoke } from "../packages/mvmctl/dist/runtime/invoke.js";
import { instancePaths, mvmHome } from "../packages/mvmctl/dist/runtime/paths.js";
import { boot } from "../packages/mvmctl/dist/runtime/up.js";

const { values: flags } = parseArgs({
  options: {
    image: { type: "string" },
    arg: { type: "string", default: "value" },
    runs: { type: "string", default: "12" },
  },
});
if (!flags.image) {
  process.stderr.write("usage: bench/reconnect.ts --image REF (e.g. an image bench/runtime.ts built)\n");
  process.exit(2);
}
const home = mvmHome();
let failed = 0;
let early = 0;
for (let i = 0; i < Number(flags.runs); i++) {
  const name = `reconnect-${process.pid}-${i}`;
  const cold = i % 2 === 0;
  const t0 = performance.now();
  await boot({ home, ref: flags.image, name, cold, reporter: silentReporter });
  const t1 = performance.now();
  let outcome = "ok";
  try {
    await invoke({ home, name, payload: [[], { [flags.arg as string]: 1 }], timeoutMs: 20_000 });
  } catch (e) {
    failed++;
    outcome = `FAILED: ${(e as Error).message}`;
  }
  const con = readFileSync(instancePaths(home, name).consoleLog, "utf8");
  const sawEarly = con.includes("hello from the next host before its connection was signalled");
  if (sawEarly) early++;
  console.log(
    `run ${i + 1} ${cold ? "cold    " : "restored"} boot ${(t1 - t0).toFixed(0)} ms, first call ${(performance.now() - t1).toFixed(0)} ms${sawEarly ? ", next host's hello seen early" : ""}: ${outcome}`,
  );
  await down({ home, name, reporter: silentReporter });
}
console.log(`${failed} of ${flags.runs} first calls failed; the early-hello case came up ${early} times`);
