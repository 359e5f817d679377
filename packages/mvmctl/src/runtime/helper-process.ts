// The lifecycle every per-instance host helper shares (egress proxy, port forwarder, fetch
// broker): its config written atomically, the process started detached from the CLI with only
// PATH and LANG (never the CLI's environment), found again by pid + the config path in its argv
// (pid reuse cannot match), a ready signal to wait for, and SIGTERM-then-SIGKILL to stop it.
//
// A socket helper (egress proxy, fetch broker) does not make `up` wait for it before QEMU starts:
// `up` binds the helper's listening socket itself and hands it over as fd 3, so the socket exists
// (and queues QEMU's connections in its backlog) the moment the helper is spawned; the helper
// says it serves with a line on fd 4, which `up` awaits alongside the boot. A Node process start
// (~100-250 ms) is then no longer on the path to QEMU.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type ErrorCode, MvmError } from "@mvm/ir/errors";
import { writeFileAtomic } from "../lib/atomic-write.js";
import { helperEnv } from "../lib/child-env.js";
import { INHERITED_SOCKET_ARG, LISTEN_FD, READY_FD } from "./helper-main.js";
import { processAlive, sleep, waitGone } from "./proc.js";

export interface HelperMain {
  path: string;
  execArgv: string[];
}

/**
 * The main module `name` next to the caller (pass the caller's import.meta.url): from src (tsx)
 * it is .ts and needs the loader, from dist it is plain .js.
 */
export function helperMain(callerUrl: string, name: string): HelperMain {
  const ts = callerUrl.endsWith(".ts");
  const path = fileURLToPath(new URL(`./${name}.${ts ? "ts" : "js"}`, callerUrl));
  return { path, execArgv: ts ? ["--import", "tsx"] : [] };
}

export interface HelperStart {
  main: HelperMain;
  configPath: string;
  config: unknown;
  /** The helper's own stdout and stderr go here (0600, appended). */
  outLog: string;
  /**
   * How the helper says it serves. `socket`: the unix socket path the caller binds and hands
   * over (the helper's main serves it with serveOnSocket, helper-main.ts), ready once the helper
   * writes its line on fd 4. `file`: a file the helper creates once serving, polled for.
   */
  ready: { socket: string } | { file: string };
  /** The error code and words for a helper that does not come up. */
  code: ErrorCode;
  what: string;
  timeoutMs?: number;
}

export interface LaunchedHelper {
  pid: number;
  /**
   * Settles once the helper serves, or rejects with the helper's error code once it died or timed
   * out (the helper is stopped by then). Never rejects unobserved: a caller that stops the helper
   * for another reason need not await it.
   */
  ready: Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Starts the helper and waits until it serves; on failure it is stopped and `code` thrown. */
export async function startHelper(h: HelperStart): Promise<number> {
  const started = await launchHelper(h);
  await started.ready;
  return started.pid;
}

/**
 * Starts the helper without waiting for it to serve (see LaunchedHelper.ready). With a `socket`,
 * the socket is listening when this returns. Throws `code` when the helper cannot be spawned;
 * nothing is left running then.
 */
export async function launchHelper(h: HelperStart): Promise<LaunchedHelper> {
  await writeFileAtomic(h.configPath, `${JSON.stringify(h.config, null, 2)}\n`, 0o600);
  const failed = (why: string, cause?: unknown) =>
    new MvmError(h.code, `the ${h.what} did not start${why ? `: ${why}` : ""}`, {
      hint: `see ${h.outLog}`,
      ...(cause ? { cause } : {}),
    });
  const socket = "socket" in h.ready ? h.ready.socket : undefined;
  const listener = socket
    ? await bindSocket(socket).catch((e: unknown) => {
        throw failed(`cannot listen on ${socket}: ${(e as Error).message}`, e);
      })
    : undefined;
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const out = openSync(h.outLog, "a", 0o600);
    try {
      const argv = [...h.main.execArgv, h.main.path, h.configPath];
      const stdio: ("ignore" | "pipe" | number)[] = ["ignore", out, out];
      if (listener) {
        stdio[LISTEN_FD] = listener.fd; // spawn dups it into the child
        stdio[READY_FD] = "pipe";
      }
      child = spawn(process.execPath, listener ? [...argv, INHERITED_SOCKET_ARG] : argv, {
        detached: true,
        stdio,
        env: helperEnv(),
      });
      child.once("error", () => undefined); // a failed spawn shows as no pid, below
    } finally {
      closeSync(out);
      // The child holds its own copy now. The parent's is closed at once: a helper that dies
      // leaves nobody listening (QEMU's connects fail instead of queueing forever).
      listener?.server.close();
    }
  } finally {
    if (child?.pid === undefined && socket) await rm(socket, { force: true });
  }
  const pid = child?.pid;
  if (child === undefined || pid === undefined) throw failed("");
  const timeoutMs = h.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const waited =
    listener && child.stdio[READY_FD]
      ? readyLine(child.stdio[READY_FD] as Readable, timeoutMs)
      : readyFile(pid, h.configPath, "file" in h.ready ? h.ready.file : "", timeoutMs);
  child.unref();
  const ready = waited.then(async (why) => {
    if (why === undefined) return;
    await stopHelper(pid, h.configPath);
    // The socket was bound here, so it is removed here: nothing listens on it any more.
    if (socket) await rm(socket, { force: true });
    throw failed(why);
  });
  ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  return { pid, ready };
}

/** undefined once the helper wrote its ready line, else why it is not coming. */
function readyLine(pipe: Readable, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let got = "";
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      pipe.removeAllListeners();
      pipe.on("error", () => undefined);
      pipe.destroy();
      resolve(why);
    };
    // The pipe's only writer is the helper: end of file before the line means it exited.
    const timer = setTimeout(() => done(`not serving within ${timeoutMs} ms`), timeoutMs);
    pipe.on("data", (b: Buffer) => {
      got += b.toString();
      if (got.includes("\n")) done(undefined);
    });
    pipe.on("end", () => done("it exited"));
    pipe.on("error", (e) => done(e.message));
  });
}

/** The file-signalled helpers (the port forwarder): polled for, while the process lives. */
async function readyFile(
  pid: number,
  configPath: string,
  file: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (!processAlive(pid, configPath)) return "it exited";
    if (Date.now() > deadline) return `not ready within ${timeoutMs} ms`;
    await sleep(20);
  }
  return undefined;
}

/**
 * A listening unix socket at `path`, for a child to inherit. It is bound under a temporary name
 * in the same directory and renamed into place: closing a Node server unlinks the path it bound,
 * and the parent closes its copy right after the spawn while the socket must stay. The rename also
 * replaces a stale socket atomically. The temporary name (7 bytes) is shorter than the socket
 * names it stands in for (fetch.sock, egress.sock), so it fits wherever `path` fits (sun_path).
 */
async function bindSocket(path: string): Promise<{ server: Server; fd: number }> {
  const tmp = join(dirname(path), `.${randomBytes(3).toString("hex")}`);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(tmp, () => {
      server.off("error", reject);
      resolve();
    });
  });
  try {
    const fd = listenerFd(server);
    await rename(tmp, path);
    return { server, fd };
  } catch (e) {
    server.close();
    throw e;
  }
}

/**
 * The listening socket's descriptor. spawn's `stdio` takes a descriptor but not a net.Server (it
 * would pause it as a stream), and Node has no public accessor for a server's descriptor.
 */
function listenerFd(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("the listening socket has no descriptor");
  return fd;
}

/** SIGTERM, then SIGKILL; a no-op when the process is gone (or the pid was reused). */
export async function stopHelper(pid: number, configPath: string): Promise<void> {
  if (!processAlive(pid, configPath)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitGone(pid, configPath, 2000)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
