// The socket helpers' start (runtime/helper-process.ts): `up` binds the helper's socket itself and
// hands it over, so the socket accepts connections before the helper process has even loaded
// (they queue until it serves), and the helper's ready line is awaited separately. A helper that
// exits at start rejects `ready` with its error code, is gone, and its socket is removed.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { createConnection } from "node:net";
import path from "node:path";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir/errors";
import { brokerConfig, launchFetchBroker, stopFetchBroker } from "../../src/runtime/fetch/process.js";
import { processAlive } from "../../src/runtime/proc.js";
import { tempDir } from "../helpers/cli.js";

function connect(socket: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const c = createConnection(socket);
    c.once("connect", () => resolve(() => c.destroy()));
    c.once("error", reject);
  });
}

function config(dir: string, over: { caFile?: string } = {}) {
  return {
    ...brokerConfig({
      socket: path.join(dir, "fetch.sock"),
      log: path.join(dir, "fetch.log"),
      instance: "t",
      home: dir,
      egress: [],
      secrets: {},
      tokens: {},
      env: {},
    }),
    ...over,
  };
}

test("the socket listens as soon as the helper is launched; ready follows; stop removes it", async () => {
  const dir = await tempDir();
  const cfg = config(dir);
  const configPath = path.join(dir, "fetch.json");
  const b = await launchFetchBroker(configPath, cfg, path.join(dir, "fetch-broker.log"));
  try {
    // The helper is a Node process still starting (under tsx, hundreds of ms): the connection
    // is accepted by the kernel into the backlog the parent set up.
    const close = await connect(cfg.socket);
    close();
    await b.ready;
    assert.ok(processAlive(b.pid, configPath));
    (await connect(cfg.socket))();
    const temps = (await readdir(dir)).filter((n) => n.startsWith("."));
    assert.deepEqual(temps, [], "the socket's temporary name is gone (renamed into place)");
  } finally {
    await stopFetchBroker(b.pid, configPath);
  }
  assert.ok(!processAlive(b.pid, configPath));
  assert.ok(!existsSync(cfg.socket), "the helper removes its socket when stopped");
});

test("a helper that exits at start: ready rejects with its code, the process is gone, no socket", async () => {
  const dir = await tempDir();
  const notAFile = path.join(dir, "ca-dir");
  await mkdir(notAFile);
  // The broker reads its CA file at start: a directory makes it exit before it serves.
  const cfg = config(dir, { caFile: notAFile });
  const configPath = path.join(dir, "fetch.json");
  const b = await launchFetchBroker(configPath, cfg, path.join(dir, "fetch-broker.log"));
  await assert.rejects(
    b.ready,
    (e: unknown) =>
      isMvmError(e) &&
      e.code === "E_FETCH_BROKER_FAILED" &&
      /fetch broker did not start: it exited/.test(e.message) &&
      (e.hint ?? "").includes("fetch-broker.log"),
  );
  assert.ok(!processAlive(b.pid, configPath));
  assert.ok(!existsSync(cfg.socket));
});
