// Entry of the detached port forwarder of one instance: `node ingress-main.js <config>`. `up` starts
// it before QEMU (it binds the declared host ports, so a conflict fails before boot) and waits for
// its ready file; `down` stops it by the pid in state.json, after the VM. The config path sits in
// the instance dir, which is what liveness checks look for in this process's argv.
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { readHelperConfig } from "../helper-main.js";
import { createForwarder } from "./ingress-forwarder.js";
import type { IngressConfig, IngressReady } from "./ingress-process.js";

const cfg = readHelperConfig<IngressConfig>("ingress-main");
const ready = (r: IngressReady) => {
  writeFileSync(`${cfg.ready}.tmp`, `${JSON.stringify(r)}\n`, { mode: 0o600 });
  renameSync(`${cfg.ready}.tmp`, cfg.ready);
};
const fwd = createForwarder({
  listeners: cfg.listeners,
  log: (r) => appendFileSync(cfg.log, `${JSON.stringify(r)}\n`, { mode: 0o600 }),
});
fwd.listen().then(
  (bound) => {
    ready({ ok: true, bound });
    for (const b of bound) process.stdout.write(`forwarding ${b.host_addr}:${b.host} (${b.mapping_id})\n`);
  },
  (e: NodeJS.ErrnoException & { mapping_id?: string }) => {
    ready({ ok: false, mapping_id: e.mapping_id ?? "", code: e.code ?? "", message: e.message });
    process.exit(1);
  },
);
const stop = () => {
  fwd.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
