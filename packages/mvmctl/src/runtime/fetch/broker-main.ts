// Entry of the detached fetch broker of one instance: `node broker-main.js <fetch.json>`. `up`
// starts it before QEMU (QEMU's port chardevs connect to its socket, and reconnect if it restarts)
// and `down` stops it by the pid in state.json after the VM is gone. The config path, inside the
// instance dir, is what liveness checks look for in this process's argv.
import { appendFileSync, readFileSync } from "node:fs";
import { readSecret } from "../../secrets/store.js";
import { readHelperConfig, serveOnSocket } from "../helper-main.js";
import { createBroker, type FetchAudit } from "./broker.js";
import type { FetchBrokerConfig } from "./config.js";

const cfg = readHelperConfig<FetchBrokerConfig>("broker-main");
const ca = cfg.caFile ? readFileSync(cfg.caFile, "utf8") : undefined;
const audit = (a: FetchAudit) => appendFileSync(cfg.log, `${JSON.stringify(a)}\n`, { mode: 0o600 });
const server = createBroker({
  config: cfg,
  readSecret: (name) => readSecret(cfg.home, name),
  audit,
  ...(ca ? { ca } : {}),
});
serveOnSocket(server, cfg.socket, "fetch broker");
