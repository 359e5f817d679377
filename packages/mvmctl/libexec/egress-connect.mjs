// QEMU's guestfwd runs this once per guest connection to the proxy address, with the connection on
// stdin/stdout (docs/adr/0008-egress-proxy.md). It only splices bytes to the instance's egress
// proxy socket: every decision is the proxy's. Plain JS so it starts fast without a TS loader.
// Nothing may be written to stderr: it is the same socket, so it would reach the guest.
import { connect } from "node:net";

const path = process.argv[2];
if (!path) process.exit(2);
const up = connect(path);
process.stdin.pipe(up);
up.pipe(process.stdout);
// Exit only once everything the proxy sent has been written to the guest.
process.stdout.on("finish", () => process.exit(0));
up.on("close", () => {
  if (!process.stdout.writableEnded) process.stdout.end();
});
up.on("error", () => process.exit(1));
process.stdin.on("error", () => process.exit(0));
process.stdout.on("error", () => process.exit(0));
