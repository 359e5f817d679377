// The resident compile server (ADR 0013): `mvmctl __serve SOCKET`, started detached by the native
// client (packages/mvmctl/native/client.c) the first time `mvmctl compile` finds none. It keeps
// one Node process with the CLI loaded, so a compile costs the work only, not Node's start-up,
// module loading and tree-sitter's WASM compile.
//
// Requests run one at a time, each through the CLI's normal main(argv) inside a request scope
// (request-scope.ts: env, cwd, umask, argv, streams, exit). The server stops after IDLE_MS without
// requests, when its bundle is replaced or older than tsc's output (a rebuilt CLI gets a new
// server: the socket is named after the bundle id), and when it grew past MAX_RSS.
import {
  type FSWatcher,
  lstatSync,
  readFileSync,
  statSync,
  unlinkSync,
  watch,
  writeFileSync,
  writeSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ExitRequest } from "./exit-request.js";
import { enterRequest } from "./request-scope.js";
import {
  bodyLength,
  type CompileRequest,
  decodeRequest,
  exitFrame,
  Frame,
  frame,
  HEADER_BYTES,
  outputFrames,
  ProtocolError,
} from "./serve-protocol.js";

const IDLE_MS = 10 * 60_000;
/** A client that connected must send its whole request within this time. */
const REQUEST_TIMEOUT_MS = 10_000;
/** tree-sitter's trees live in WASM memory the CLI never frees (a one-shot process exits): recycle. */
const MAX_RSS = 512 << 20;
const MAX_REQUESTS = 2000;

// In the bundle, import.meta.url is dist/cli/compile-server.js's URL (scripts/bundle-cli.mjs).
const distFile = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const BUNDLE = distFile("../bundle/mvmctl.cjs");
const TSBUILDINFO = [distFile("../.tsbuildinfo"), distFile("../../../ir/dist/.tsbuildinfo")];

type Main = (argv: string[]) => Promise<void>;

function log(message: string): void {
  try {
    writeSync(2, `${new Date().toISOString()} mvmctl compile server ${process.pid}: ${message}\n`);
  } catch {}
}

/** The bundle's id (first line) and identity, or undefined when there is no bundle. */
function bundleIdentity(): { id: string; key: string } | undefined {
  try {
    const head = readFileSync(BUNDLE, { encoding: "latin1" }).slice(0, 64);
    const id = /^\/\/ mvm-bundle ([0-9a-f]+)\n/.exec(head)?.[1];
    const st = statSync(BUNDLE);
    return id ? { id, key: `${st.ino}:${st.size}:${st.mtimeMs}` } : undefined;
  } catch {
    return undefined;
  }
}

/** The launcher's staleness rule (bin/mvmctl.js): tsc wrote output after the bundle. */
function bundleStale(): boolean {
  const mtime = (p: string) => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return mtime(BUNDLE) < Math.max(...TSBUILDINFO.map(mtime));
}

/** The client's rule for the socket directory: ours, a real directory, mode 0700. */
function checkSocketDir(dir: string): string | undefined {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== process.getuid?.()) return `${dir} is not owned by uid ${process.getuid?.()}`;
  if ((st.mode & 0o7777) !== 0o700) return `${dir} has mode ${(st.mode & 0o7777).toString(8)}, not 700`;
  return undefined;
}

/** Whether something accepts connections on `socket` (a live server), without sending anything. */
export function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

function listenOn(server: net.Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Binds the socket; false when a live server already owns it. A dead server's socket is removed. */
async function bind(server: net.Server, socket: string): Promise<boolean> {
  const umask = process.umask(0o077);
  try {
    await listenOn(server, socket);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    if (await canConnect(socket)) return false;
    if (!lstatSync(socket).isSocket()) throw e;
    unlinkSync(socket);
    await listenOn(server, socket);
    return true;
  } finally {
    process.umask(umask);
  }
}

/** Why a request is answered with "refused" (the client then runs node itself), if it is. */
function refusal(req: CompileRequest, nodeOptions: string | undefined): string | undefined {
  if (req.argv[0] !== "compile") return "the server runs compile only";
  if (req.env.MVM_ERROR_FD) return "MVM_ERROR_FD is a descriptor of the client";
  if (req.argv.some((a) => a === "-" || a.endsWith("=-"))) return "stdin input";
  // The client's own descriptors: here they would be the server's (the client checks this too).
  if (req.argv.some((a) => /\/dev\/std|\/dev\/fd\/|\/proc\/(self|thread-self)\//.test(a)))
    return "a path naming the client's descriptors";
  // Node's own flags apply at start-up: a call with other ones must get its own process.
  if ((req.env.NODE_OPTIONS ?? "") !== (nodeOptions ?? "")) return "NODE_OPTIONS differs";
  return undefined;
}

export async function serveCompile(args: string[], main: Main): Promise<void> {
  const socket = args[0];
  const fail = (m: string) => {
    log(m);
    process.exitCode = 2;
  };
  if (!socket || !path.isAbsolute(socket) || args.length !== 1)
    return fail("usage: mvmctl __serve /abs/SOCKET");
  const bundle = bundleIdentity();
  if (!bundle) return fail(`no bundle at ${BUNDLE}`);
  if (path.basename(socket) !== `compile-${bundle.id}.sock`)
    return fail(`${socket} is not for bundle ${bundle.id}`);
  const dirProblem = checkSocketDir(path.dirname(socket));
  if (dirProblem) return fail(dirProblem);

  const binPath = process.argv[1] ?? "mvmctl";
  const nodeOptions = process.env.NODE_OPTIONS;
  const pidFile = socket.replace(/\.sock$/, ".pid");
  const logFile = socket.replace(/\.sock$/, ".log");
  const realExit = process.exit;
  const server = net.createServer({ allowHalfOpen: false });
  if (!(await bind(server, socket))) return log("another server owns the socket; exiting");
  const socketIno = lstatSync(socket).ino;
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  log(`listening on ${socket} (bundle ${bundle.id})`);

  let pending = 0;
  let served = 0;
  let stopping: string | undefined;
  let idle: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  /** Ends the request that is running when an exception escapes it (see the handlers below). */
  let abortActive: ((e: unknown) => void) | undefined;

  const shutdown = (reason: string): void => {
    log(`stopping: ${reason}`);
    // Unlink first: a client that finds no socket starts a new server instead of waiting on us.
    try {
      if (lstatSync(socket).ino === socketIno) unlinkSync(socket);
    } catch {}
    for (const f of [pidFile, ...(reason === "crashed" ? [] : [logFile])]) {
      try {
        unlinkSync(f);
      } catch {}
    }
    server.close();
    realExit.call(process, 0);
  };
  const stopWhenIdle = (reason: string): void => {
    stopping ??= reason;
    if (pending === 0) shutdown(stopping);
  };
  const armIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => stopWhenIdle("idle"), IDLE_MS);
  };

  // A compile that throws from a callback, or rejects unawaited, would end a one-shot process;
  // here it ends the request (like process.exit does) and then the server, whose state it may
  // have left half-changed.
  const escaped = (e: unknown): void => {
    if (abortActive) abortActive(e);
    else {
      log(`uncaught outside a request: ${e instanceof Error ? e.stack : String(e)}`);
      stopWhenIdle("crashed");
    }
  };
  process.on("uncaughtException", escaped);
  process.on("unhandledRejection", escaped);

  try {
    const watcher: FSWatcher = watch(path.dirname(BUNDLE), (_event, name) => {
      if (name === path.basename(BUNDLE) && bundleIdentity()?.key !== bundle.key)
        stopWhenIdle("bundle changed");
    });
    watcher.on("error", () => {});
  } catch {
    // No inotify: the check before each request still catches a changed bundle.
  }

  const run = async (sock: net.Socket, req: CompileRequest): Promise<void> => {
    const send = (b: Buffer) => {
      if (!sock.destroyed) sock.write(b);
    };
    if (sock.destroyed) return; // the client went away while it waited in the queue
    if (bundleIdentity()?.key !== bundle.key) stopping ??= "bundle changed";
    else if (bundleStale()) stopping ??= "bundle older than tsc's output";
    const refused = stopping ? `server stopping (${stopping})` : refusal(req, nodeOptions);
    if (refused) {
      sock.end(frame(Frame.refused, Buffer.from(refused)));
      return;
    }
    let scope: ReturnType<typeof enterRequest>;
    try {
      scope = enterRequest(req, binPath, (fd, data) => {
        for (const f of outputFrames(fd === 1 ? Frame.stdout : Frame.stderr, data)) send(f);
      });
    } catch (e) {
      sock.end(frame(Frame.refused, Buffer.from(`cannot enter the request: ${(e as Error).message}`)));
      return;
    }
    const t0 = performance.now();
    let thrown: unknown;
    let crashed = false;
    try {
      await Promise.race([
        main(req.argv),
        new Promise<void>((_, reject) => {
          abortActive = (e) => {
            crashed = !(e instanceof ExitRequest);
            reject(e);
          };
        }),
      ]);
    } catch (e) {
      thrown = e;
    } finally {
      abortActive = undefined;
    }
    // Node's own last words for an error that escaped main: its stack, exit code 1.
    if (thrown !== undefined && !(thrown instanceof ExitRequest)) {
      process.stderr.write(
        `${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}\n`,
      );
    }
    const code = thrown === undefined || thrown instanceof ExitRequest ? scope.exitCode(thrown) : 1;
    scope.restore();
    served++;
    // Logged before the reply ends, so a client that sees its exit code also sees this line.
    log(`served compile: exit ${code}, ${(performance.now() - t0).toFixed(1)} ms`);
    sock.end(exitFrame(code));
    if (crashed) stopping ??= "crashed";
    else if (process.memoryUsage.rss() > MAX_RSS) stopping ??= "memory";
    else if (served >= MAX_REQUESTS) stopping ??= "request count";
  };

  server.on("connection", (sock) => {
    pending++;
    clearTimeout(idle);
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      pending--;
      if (pending === 0) {
        if (stopping) shutdown(stopping);
        else armIdle();
      }
    };
    const timer = setTimeout(() => sock.destroy(), REQUEST_TIMEOUT_MS);
    const chunks: Buffer[] = [];
    let got = 0;
    let need: number | undefined;
    const onData = (d: Buffer): void => {
      chunks.push(d);
      got += d.length;
      try {
        if (need === undefined && got >= HEADER_BYTES)
          need = HEADER_BYTES + bodyLength(Buffer.concat(chunks));
        if (need === undefined || got < need) return;
        if (got > need) throw new ProtocolError("more bytes than the request announced");
      } catch (e) {
        clearTimeout(timer);
        sock.off("data", onData);
        sock.end(frame(Frame.refused, Buffer.from((e as Error).message)));
        done();
        return;
      }
      clearTimeout(timer);
      sock.off("data", onData);
      let req: CompileRequest;
      try {
        req = decodeRequest(Buffer.concat(chunks, got).subarray(HEADER_BYTES));
      } catch (e) {
        sock.end(frame(Frame.refused, Buffer.from((e as Error).message)));
        done();
        return;
      }
      queue = queue
        .then(() => run(sock, req))
        .catch((e) => log(`request failed: ${(e as Error).stack}`))
        .finally(done);
    };
    sock.on("data", onData);
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      // A request still waiting in the queue finishes (and calls done) there.
      if (need === undefined || got < need) done();
    });
  });
  armIdle();
  // The server runs until shutdown() exits the process.
  await new Promise<never>(() => {});
}
