// A record-mode script: no mvm.app declaration, a Sandbox driven imperatively. `mvmctl compile`
// runs it on the host with MVM_SDK_MODE=record and lowers what it recorded.
import { writeFileSync } from "node:fs";
import { Sandbox } from "mvm-sdk";

const sb = await Sandbox.create("python-3.12", {
  workloadId: "etl-ts",
  env: { MODEL: "/data/m.pt" },
  include: ["*.py"],
  tags: { job: "nightly" },
  ttl: 1800,
});
await sb.files.write("/app/cfg.json", '{"a":1}');
await sb.commands.start(["python3", "setup.py"]);
await sb.commands.start(["python3", "run.py"], { env: { LOG: "1" } });
await sb.kill();
// Proof that this file really ran (on the host): the test checks for this marker.
if (process.env.MVM_TEST_MARKER) writeFileSync(process.env.MVM_TEST_MARKER, "ran");
