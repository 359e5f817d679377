import assert from "node:assert/strict";
import { appendFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tailLines } from "../../src/runtime/console-tail.js";
import { writeState } from "../../src/runtime/instances.js";
import { logs } from "../../src/runtime/logs.js";
import { instancePaths } from "../../src/runtime/paths.js";

test("tailLines returns the last N lines, without a trailing empty one", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mvm-rt-tail-"));
  const p = join(dir, "c.log");
  await writeFile(p, "a\r\nb\nc\n");
  assert.deepEqual(await tailLines(p, 2), ["b", "c"]);
  assert.deepEqual(await tailLines(p, 10), ["a", "b", "c"]);
  assert.deepEqual(await tailLines(join(dir, "missing"), 5), []);
  // Reading only the last bytes drops the partial first line.
  assert.deepEqual(await tailLines(p, 10, 4), ["c"]);
});

test("logs -n prints the last lines; -f follows new ones until aborted", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-rt-logs-"));
  const p = instancePaths(home, "x");
  await writeState(home, {
    name: "x",
    workload_id: "w",
    app: "x",
    digest: "d",
    image_dir: "/",
    pid: 999_999_999,
    accel: "tcg",
    vmm: "qemu",
    cpus: 1,
    memory_mb: 128,
    status: "running",
    started_at: new Date().toISOString(),
    boot_ms: null,
    agent_socket: p.agentSocket,
    qmp_socket: p.qmpSocket,
    console_log: p.consoleLog,
  });
  await writeFile(p.consoleLog, "one\ntwo\nthree\n");
  const seen: string[] = [];
  const ac = new AbortController();
  const done = logs({
    home,
    name: "x",
    lines: 2,
    follow: true,
    signal: ac.signal,
    write: (l) => seen.push(l),
  });
  await new Promise((r) => setTimeout(r, 300));
  await appendFile(p.consoleLog, "four\nfi");
  await new Promise((r) => setTimeout(r, 500));
  await appendFile(p.consoleLog, "ve\n");
  await new Promise((r) => setTimeout(r, 500));
  ac.abort();
  await done;
  assert.deepEqual(seen, ["two", "three", "four", "five"]);
});
