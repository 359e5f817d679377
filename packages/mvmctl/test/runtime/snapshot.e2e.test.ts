// Ready snapshots end to end (docs/cli/snapshot.md), Python and TypeScript, through the real CLI:
// the first up saves the image's ready snapshot, a later up restores it; two instances restored
// from one snapshot differ in secret tokens, os.urandom, random.random() and crypto.randomUUID(),
// and their clock is the host's; --cold ignores the snapshot; another machine (--memory) boots
// cold with a note, and an explicit --snapshot that does not fit is refused. One VM at a time
// except for the pairs that must run side by side.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { compileAndBuild, type E2eHome, e2eHome, expectCode } from "./e2e-helpers.js";

interface UpJson {
  name: string;
  boot_ms: number;
  snapshot: { key: string; restored: boolean; id?: string } | null;
}

let h: E2eHome;
before(async () => {
  h = await e2eHome();
});
after(async () => {
  await h?.cleanup();
});

async function up(
  ref: string,
  name: string,
  extra: string[] = [],
): Promise<{ json: UpJson; stderr: string }> {
  const r = await h.run(["up", ref, "--name", name, "--json", ...extra]);
  expectCode(h, r, 0, `up ${name} ${extra.join(" ")}`);
  return { json: JSON.parse(r.stdout) as UpJson, stderr: r.stderr };
}

async function down(...names: string[]): Promise<void> {
  for (const n of names) expectCode(h, await h.run(["down", n, "-q"]), 0, `down ${n}`);
}

async function invokeJson(name: string): Promise<unknown> {
  const r = await h.run(["invoke", name]);
  expectCode(h, r, 0, `invoke ${name}`);
  return JSON.parse(r.stdout);
}

async function execOut(name: string, argv: string[]): Promise<string> {
  const r = await h.run(["exec", name, "--", ...argv]);
  expectCode(h, r, 0, `exec ${name} ${argv.join(" ")}`);
  return r.stdout;
}

describe("python: ready snapshot", () => {
  let compiled: string;
  let readyId: string;

  before(async () => {
    compiled = await compileAndBuild(h, "py-snap", "app.py");
  });

  test("the first up boots and saves the ready snapshot; the next up restores it", async () => {
    const first = await up(compiled, "py1");
    assert.equal(first.json.snapshot?.restored, false);
    assert.match(first.json.snapshot?.id ?? "", /^ready-[0-9a-f]{16}$/);
    readyId = first.json.snapshot?.id as string;
    await down("py1");
    const again = await up(compiled, "py1");
    assert.deepEqual(again.json.snapshot, { ...first.json.snapshot, restored: true });
    const fp = (await invokeJson("py1")) as { token: string };
    assert.match(fp.token, /^mvm-secret-/);
    const ps = await h.run(["ps"]);
    assert.match(ps.stdout, /^py1 .* restored$/m);
  });

  test("two instances restored from one snapshot differ in tokens, os.urandom, random.random and have the host's clock", async () => {
    const second = await up(compiled, "py2");
    assert.equal(second.json.snapshot?.restored, true);
    const [a, b] = (await Promise.all([invokeJson("py1"), invokeJson("py2")])) as {
      token: string;
      urandom: string;
      random: number;
    }[];
    assert.ok(a && b);
    assert.notEqual(a.token, b.token, "secret tokens are per instance");
    assert.notEqual(a.urandom, b.urandom, "os.urandom differs");
    assert.notEqual(a.random, b.random, "random.random() differs");
    const envA = await execOut("py1", ["env"]);
    const envB = await execOut("py2", ["env"]);
    assert.match(envA, new RegExp(`^API_KEY=${a.token}$`, "m"));
    assert.match(envB, new RegExp(`^API_KEY=${b.token}$`, "m"));
    const guest = Number((await execOut("py2", ["date", "+%s"])).trim());
    assert.ok(Math.abs(guest - Date.now() / 1000) < 5, `guest clock ${guest} vs host ${Date.now() / 1000}`);
    const log = await h.run(["logs", "py2"]);
    assert.match(log.stdout, /restored: entropy 64 bytes credited/);
    await down("py1", "py2");
  });

  test("up --cold ignores the snapshot", async () => {
    const cold = await up(compiled, "py3", ["--cold"]);
    assert.equal(cold.json.snapshot?.restored, false);
    assert.equal(cold.json.snapshot?.id, undefined, "--cold saves no snapshot either");
    await down("py3");
  });

  test("another machine (--memory) boots cold with a note; an explicit snapshot that does not fit is refused", async () => {
    const refused = await h.run(["up", compiled, "--name", "py4", "--memory", "384M", "--snapshot", readyId]);
    expectCode(h, refused, 1, "up --snapshot with other memory");
    assert.match(refused.stderr, /error\[E_SNAPSHOT_MISMATCH\]: snapshot ready-[0-9a-f]+ does not fit/);
    assert.match(refused.stderr, /256 MiB memory \(now 384\)/);
    const other = await up(compiled, "py4", ["--memory", "384M"]);
    assert.equal(other.json.snapshot?.restored, false);
    assert.match(other.stderr, /warning: snapshot ready-[0-9a-f]+ does not fit .*; booting cold/);
    await down("py4");
    const missing = await h.run(["up", compiled, "--name", "py5", "--snapshot", "s-0000000000000000"]);
    expectCode(h, missing, 1, "up --snapshot unknown");
    assert.match(missing.stderr, /error\[E_SNAPSHOT_NOT_FOUND\]/);
  });
});

describe("typescript: ready and explicit snapshots", () => {
  let compiled: string;

  before(async () => {
    compiled = await compileAndBuild(h, "ts-snap", "app.ts");
  });

  test("restored instances differ in crypto.randomUUID()", async () => {
    const first = await up(compiled, "ts1");
    assert.equal(first.json.snapshot?.restored, false);
    await down("ts1");
    const a = await up(compiled, "ts1");
    const b = await up(compiled, "ts2");
    assert.equal(a.json.snapshot?.restored, true);
    assert.equal(b.json.snapshot?.restored, true);
    const [ua, ub] = await Promise.all([invokeJson("ts1"), invokeJson("ts2")]);
    assert.match(String(ua), /^[0-9a-f-]{36}$/);
    assert.notEqual(ua, ub);
    await down("ts2");
  });

  test("mvmctl snapshot saves a running instance; up --snapshot resumes it with its files", async () => {
    const w = await h.run(["fs", "write", "ts1", "/tmp/marker"], { input: "kept\n" });
    expectCode(h, w, 0, "fs write");
    const s = await h.run(["snapshot", "ts1", "--json"]);
    expectCode(h, s, 0, "snapshot");
    const snap = JSON.parse(s.stdout) as { id: string; digest: string };
    assert.match(snap.id, /^s-[0-9a-f]{16}$/);
    assert.equal(await invokeJson("ts1").then((u) => typeof u), "string", "the source keeps running");
    await down("ts1");
    const r = await up(compiled, "ts3", ["--snapshot", snap.id]);
    assert.deepEqual(r.json.snapshot?.restored, true);
    assert.equal(r.json.snapshot?.id, snap.id);
    assert.equal(await execOut("ts3", ["cat", "/tmp/marker"]), "kept\n");
    assert.match(String(await invokeJson("ts3")), /^[0-9a-f-]{36}$/);
    await down("ts3");
  });
});
