// Just enough QMP (QEMU Machine Protocol) to ask QEMU to quit or to query its status: read the
// greeting, negotiate capabilities, send one command, read its return. Messages are JSON lines.
import { createConnection } from "node:net";

export async function qmpCommand(
  socketPath: string,
  command: string,
  timeoutMs = 2000,
  args?: Record<string, unknown>,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buf = "";
    let stage = 0; // 0: greeting, 1: capabilities reply, 2: command reply
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`QMP ${command}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | null, value?: unknown) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    sock.on("error", (e) => done(e));
    // QEMU closes the socket as it exits after "quit"; that counts as success for quit.
    sock.on("close", () => (stage === 2 && command === "quit" ? done(null, {}) : undefined));
    sock.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        nl = buf.indexOf("\n");
        if (!line) continue;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if ("event" in msg) continue;
        if (stage === 0 && "QMP" in msg) {
          stage = 1;
          sock.write(`${JSON.stringify({ execute: "qmp_capabilities" })}\n`);
        } else if (stage === 1 && ("return" in msg || "error" in msg)) {
          stage = 2;
          sock.write(
            `${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`,
          );
        } else if (stage === 2) {
          if ("error" in msg) done(new Error(`QMP ${command}: ${JSON.stringify(msg.error)}`));
          else if ("return" in msg) done(null, msg.return);
        }
      }
    });
  });
}
