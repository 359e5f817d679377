// Plain JavaScript record-mode script (run with this Node).
import { Sandbox } from "mvm-sdk";

const sb = await Sandbox.create("node-22", { workloadId: "job-js" });
await sb.commands.start(["node", "job.mjs"]);
