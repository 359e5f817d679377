// Entry of the detached fetch broker of one instance: `node broker-main.js <fetch.json>`. `up`
// starts it before QEMU (QEMU's port chardevs connect to its socket, and reconnect if it restarts)
// and `down` stops it by the pid in state.json after the VM is gone. The config path, inside the
// instance dir, is what liveness checks look for in this process's argv.
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { readSecret } from "../../secrets/store.js";
import { createBroker, type FetchAudit } from "./broker.js";
import type { FetchBrokerConfig } from "./config.js";

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write("usage: broker-main <fetch.json>\n");
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configPath, "utf8")) as FetchBrokerConfig;
const ca = cfg.caFile ? readFileSync(cfg.caFile, "utf8") : undefined;
const audit = (a: FetchAudit) => appendFileSync(cfg.log, `${JSON.stringify(a)}\n`, { mode: 0o600 });
const server = createBroker({
  config: cfg,
  readSecret: (name) => readSecret(cfg.home, name),
  audit,
  ...(ca ? { ca } : {}),
});
rmSync(cfg.socket, { force: true });
server.listen(cfg.socket, () => process.stdout.write(`listening on ${cfg.socket}\n`));
server.on("error", (e) => {
  process.stderr.write(`fetch broker: ${e.message}\n`);
  process.exit(1);
});
const stop = () => {
  server.close();
  rmSync(cfg.socket, { force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
