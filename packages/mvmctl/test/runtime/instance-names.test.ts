// Instance names are hostile input (issue 11, item 4): no name, at any verb, may lead mvmctl to a
// path outside $MVM_HOME/instances. Every test runs the real CLI against a temp MVM_HOME with a
// victim directory (and a marker file) beside the store, then asserts the marker survives and the
// error is E_INSTANCE_NAME_INVALID with exit code 2.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { isMvmError } from "@mvm/ir";
import { silentReporter } from "../../src/cli/reporter.js";
import { down } from "../../src/runtime/down.js";
import { listInstances, readState } from "../../src/runtime/instances.js";
import { instanceDir, instancePaths, isValidInstanceName } from "../../src/runtime/paths.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";

const made: string[] = [];
after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

interface Layout {
  root: string;
  home: string;
  /** Markers that must survive: beside the store, in $MVM_HOME itself, in its secrets. */
  markers: string[];
  victim: string;
}

/** root/{victim/marker, home/{secrets/marker, images/marker, instances/}} */
async function layout(): Promise<Layout> {
  const root = await tempDir("mvm-names-");
  made.push(root);
  const home = join(root, "home");
  const victim = join(root, "victim");
  await mkdir(join(home, "instances"), { recursive: true });
  await mkdir(join(home, "secrets"), { recursive: true });
  await mkdir(join(home, "images"), { recursive: true });
  await mkdir(victim);
  const markers = [join(victim, "marker"), join(home, "secrets", "marker"), join(home, "images", "marker")];
  // A victim also directly beside instances/ (what `../victim` names from the store).
  await mkdir(join(home, "victim"));
  markers.push(join(home, "victim", "marker"));
  for (const m of markers) await writeFile(m, "precious\n");
  return { root, home, markers, victim };
}

function assertIntact(l: Layout, what: string): void {
  for (const m of l.markers) {
    assert.ok(existsSync(m), `${what}: ${m} was deleted`);
    assert.equal(readFileSync(m, "utf8"), "precious\n");
  }
  assert.ok(existsSync(join(l.home, "instances")), `${what}: the instance store was deleted`);
}

function assertNameInvalid(r: CliResult, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, /error\[E_INSTANCE_NAME_INVALID\]/, what);
}

const HOSTILE = [
  "..",
  ".",
  "...",
  "../victim",
  "../../victim",
  "%2e%2e",
  "%2e%2e%2fvictim",
  "a/../../victim",
  "/tmp",
  "victim/",
  "a/b",
  "victim\n",
  "victim\r",
  "a".repeat(64),
  "a".repeat(5000),
  "\u0430bc", // Cyrillic a
  "\uff0e\uff0e", // fullwidth dots
  "..\u2215victim", // division slash
  "\u2024\u2024", // one dot leader
  "Victim",
  "-all",
  " victim",
  "",
];

test("down refuses every hostile name with E_INSTANCE_NAME_INVALID (exit 2); nothing outside the store is touched", async () => {
  const l = await layout();
  for (const name of HOSTILE) {
    if (name === "") continue; // `down ""` is a usage error (name or --all), checked below
    // After `--`, so a name that starts with "-" reaches the verb instead of the option parser.
    const r = await runCli(["down", "--", name], { env: { MVM_HOME: l.home } });
    assertNameInvalid(r, `down ${JSON.stringify(name)}`);
    assertIntact(l, `down ${JSON.stringify(name)}`);
  }
  const empty = await runCli(["down", ""], { env: { MVM_HOME: l.home } });
  assert.equal(empty.code, 2);
  assertIntact(l, 'down ""');
});

test("every verb that takes an instance name refuses a traversal before touching the store", async () => {
  const l = await layout();
  const names = ["..", "../../victim", "a/b", "%2e%2e", "victim\n"];
  for (const n of names) {
    const runs: string[][] = [
      ["invoke", n],
      ["exec", n, "--", "true"],
      ["fs", "read", n, "/etc/hostname"],
      ["fs", "write", n, "/tmp/x"],
      ["fs", "ls", n, "/"],
      ["fs", "stat", n, "/"],
      ["fs", "mkdir", n, "/tmp/x"],
      ["fs", "rm", n, "/tmp/x"],
      ["fs", "mv", n, "/tmp/x", "/tmp/y"],
      ["logs", n],
      ["up", "no-such-image", "--name", n],
    ];
    for (const args of runs) {
      const r = await runCli(args, { env: { MVM_HOME: l.home } });
      assertNameInvalid(r, args.map((a) => JSON.stringify(a)).join(" "));
    }
  }
  assertIntact(l, "verbs");
});

test("a symlink planted in instances/ is never followed: down NAME refuses, down --all and ps skip it", async () => {
  const l = await layout();
  // The victim looks like an instance whose VM is gone: a reader following the link would
  // find this state.json, and down would remove the directory it names.
  await writeFile(
    join(l.victim, "state.json"),
    JSON.stringify({ name: "evil", pid: 2147483646, status: "failed", qmp_socket: "/nowhere" }),
  );
  await symlink(l.victim, join(l.home, "instances", "evil"));
  await symlink(join(l.home, "secrets"), join(l.home, "instances", "secrets"));
  const r = await runCli(["down", "evil"], { env: { MVM_HOME: l.home } });
  assertNameInvalid(r, "down evil (symlink)");
  assert.match(r.stderr, /symlink/);
  const all = await runCli(["down", "--all", "--json"], { env: { MVM_HOME: l.home } });
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(JSON.parse(all.stdout).stopped, []);
  const ps = await runCli(["ps", "--json"], { env: { MVM_HOME: l.home } });
  assert.equal(ps.code, 0, ps.stderr);
  assert.deepEqual(JSON.parse(ps.stdout), []);
  for (const verb of [
    ["logs", "evil"],
    ["invoke", "evil"],
    ["fs", "ls", "evil", "/"],
  ]) {
    assertNameInvalid(await runCli(verb, { env: { MVM_HOME: l.home } }), verb.join(" "));
  }
  assertIntact(l, "symlinked instance");
  assert.ok(existsSync(join(l.victim, "state.json")));
  assert.ok(existsSync(join(l.home, "secrets", "marker")));
});

test("down --all removes instances by their directory name, never by the name state.json claims", async () => {
  const l = await layout();
  const dir = join(l.home, "instances", "good");
  await mkdir(dir);
  // A dead VM (no such pid) whose state.json lies about its name.
  await writeFile(
    join(dir, "state.json"),
    JSON.stringify({
      name: "../../victim",
      pid: 2147483646,
      status: "failed",
      qmp_socket: join(dir, "qmp.sock"),
      agent_socket: join(dir, "agent.sock"),
      console_log: join(dir, "console.log"),
      started_at: new Date().toISOString(),
    }),
  );
  // Entries that are not valid names are skipped, whatever they hold.
  await mkdir(join(l.home, "instances", "..."), { recursive: true }).catch(() => undefined);
  await mkdir(join(l.home, "instances", "UPPER"));
  await writeFile(join(l.home, "instances", "UPPER", "marker"), "precious\n");
  l.markers.push(join(l.home, "instances", "UPPER", "marker"));
  const all = await runCli(["down", "--all", "--json"], { env: { MVM_HOME: l.home } });
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(
    (JSON.parse(all.stdout).stopped as { name: string }[]).map((s) => s.name),
    ["good"],
  );
  assert.ok(!existsSync(dir));
  assertIntact(l, "down --all with a lying state.json");
});

test("the state readers and down() refuse hostile names in-process (NUL too, which argv cannot carry)", async () => {
  const l = await layout();
  for (const name of [...HOSTILE, "a\0b", "..\0", "victim\0/../.."]) {
    for (const [what, f] of [
      ["instanceDir", async () => instanceDir(l.home, name)],
      ["instancePaths", async () => instancePaths(l.home, name)],
      ["readState", () => readState(l.home, name)],
      ["down", () => down({ home: l.home, name, reporter: silentReporter })],
    ] as const) {
      await assert.rejects(
        f,
        (e: unknown) => isMvmError(e) && e.code === "E_INSTANCE_NAME_INVALID" && e.exitCode === 2,
        `${what}(${JSON.stringify(name)})`,
      );
    }
    assert.equal(isValidInstanceName(name), false, JSON.stringify(name));
  }
  assert.deepEqual(await listInstances(l.home), []);
  assertIntact(l, "in-process");
  for (const ok of ["a", "0", "a..b", "a.", "x_y-z", "a".repeat(63)]) {
    assert.equal(isValidInstanceName(ok), true, ok);
    assert.equal(instanceDir(l.home, ok), join(l.home, "instances", ok));
  }
});
