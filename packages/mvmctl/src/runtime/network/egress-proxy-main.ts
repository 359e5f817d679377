// Entry of the detached egress proxy process of one instance: `node egress-proxy-main.js <config>`.
// `up` starts it before QEMU (so the guest's first connection finds it) and `down` stops it by the
// pid in state.json. The config path sits in the instance dir, which is what liveness checks look
// for in this process's argv.
import { appendFileSync } from "node:fs";
import { readHelperConfig, serveOnSocket } from "../helper-main.js";
import type { EgressProxyConfig } from "./egress-process.js";
import { createEgressProxy, type EgressDecision } from "./egress-proxy.js";

const cfg = readHelperConfig<EgressProxyConfig>("egress-proxy-main");
const log = (d: EgressDecision) => appendFileSync(cfg.log, `${JSON.stringify(d)}\n`, { mode: 0o600 });
const server = createEgressProxy({
  allowlist: cfg.allowlist,
  resolve: new Map(Object.entries(cfg.resolve ?? {})),
  log,
});
serveOnSocket(server, cfg.socket, "egress proxy");
