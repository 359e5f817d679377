// Entry of the detached egress proxy process of one instance: `node egress-proxy-main.js <config>`.
// `up` starts it before QEMU (so the guest's first connection finds it) and `down` stops it by the
// pid in state.json. The config path sits in the instance dir, which is what liveness checks look
// for in this process's argv.
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import type { EgressProxyConfig } from "./egress-process.js";
import { createEgressProxy, type EgressDecision } from "./egress-proxy.js";

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write("usage: egress-proxy-main <config.json>\n");
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configPath, "utf8")) as EgressProxyConfig;
const log = (d: EgressDecision) => appendFileSync(cfg.log, `${JSON.stringify(d)}\n`, { mode: 0o600 });
const server = createEgressProxy({
  allowlist: cfg.allowlist,
  resolve: new Map(Object.entries(cfg.resolve ?? {})),
  log,
});
rmSync(cfg.socket, { force: true });
server.listen(cfg.socket, () => process.stdout.write(`listening on ${cfg.socket}\n`));
server.on("error", (e) => {
  process.stderr.write(`egress proxy: ${e.message}\n`);
  process.exit(1);
});
const stop = () => {
  server.close();
  rmSync(cfg.socket, { force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
