// The shared start of a detached helper's main module (egress proxy, fetch broker, port
// forwarder): read the config named in argv, and serve a unix socket until SIGTERM/SIGINT.
import { closeSync, readFileSync, rmSync, writeSync } from "node:fs";
import type { Server } from "node:net";

/**
 * argv after the config path when the starter (helper-process.ts) bound the socket itself: the
 * listening socket is then fd LISTEN_FD, and the helper writes one line on READY_FD once it
 * serves it.
 */
export const INHERITED_SOCKET_ARG = "--inherited-socket";
export const LISTEN_FD = 3;
export const READY_FD = 4;

/** The JSON config whose path is argv[2]; usage error (exit 2) without one. */
export function readHelperConfig<T>(name: string): T {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write(`usage: ${name} <config.json> [${INHERITED_SOCKET_ARG}]\n`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(configPath, "utf8")) as T;
}

/**
 * Serves `socket`: the inherited listening socket when started with INHERITED_SOCKET_ARG (then
 * it says so on READY_FD), else a socket bound here (a stale one is removed first). Closes it and
 * removes the path on SIGTERM/SIGINT.
 */
export function serveOnSocket(server: Server, socket: string, what: string): void {
  const inherited = process.argv[3] === INHERITED_SOCKET_ARG;
  const listening = () => {
    process.stdout.write(`listening on ${socket}\n`);
    if (!inherited) return;
    try {
      writeSync(READY_FD, "ready\n");
      closeSync(READY_FD);
    } catch {
      // the starter is gone (EPIPE): nobody waits for the line
    }
  };
  if (inherited) server.listen({ fd: LISTEN_FD }, listening);
  else {
    rmSync(socket, { force: true });
    server.listen(socket, listening);
  }
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
