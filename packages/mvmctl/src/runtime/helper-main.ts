// The shared start of a detached helper's main module (egress proxy, fetch broker, port
// forwarder): read the config named in argv, and serve a unix socket until SIGTERM/SIGINT.
import { readFileSync, rmSync } from "node:fs";
import type { Server } from "node:net";

/** The JSON config whose path is argv[2]; usage error (exit 2) without one. */
export function readHelperConfig<T>(name: string): T {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write(`usage: ${name} <config.json>\n`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(configPath, "utf8")) as T;
}

/** Listens on `socket` (a stale one is removed first); closes and removes it on SIGTERM/SIGINT. */
export function serveOnSocket(server: Server, socket: string, what: string): void {
  rmSync(socket, { force: true });
  server.listen(socket, () => process.stdout.write(`listening on ${socket}\n`));
  server.on("error", (e) => {
    process.stderr.write(`${what}: ${e.message}\n`);
    process.exit(1);
  });
  const stop = () => {
    server.close();
    rmSync(socket, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
