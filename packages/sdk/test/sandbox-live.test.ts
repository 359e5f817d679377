// Live mode against a stand-in mvmctl (fixtures/fake-mvmctl.mjs): each Sandbox call must become
// the right mvmctl argv, and mvmctl's output and error blocks must come back as results or typed errors.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { LiveError, literal, MvmError, NotFoundError, Sandbox, TimeoutError } from "../src/index.js";
import { cliCommand, parseErrorChannel, redactArgv } from "../src/sandbox-cli.js";
import {
  assertInstanceName,
  instanceName,
  LiveSession,
  liveCreate,
  startScript,
  type UpInfo,
} from "../src/sandbox-live.js";

const FAKE = resolve(import.meta.dirname, "fixtures/fake-mvmctl.mjs");
let dir: string;
let log: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mvm-sdk-live-"));
  log = join(dir, "log.jsonl");
  writeFileSync(log, "");
  Object.assign(process.env, { MVM_SDK_MODE: "live", MVM_CLI_BIN: FAKE, FAKE_LOG: log });
});

afterEach(() => {
  for (const k of ["MVM_SDK_MODE", "MVM_CLI_BIN", "FAKE_LOG", "FAKE_FAIL", "FAKE_DOWN"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dir, { recursive: true, force: true });
});

type Call = { argv: string[]; stdin_b64: string; cwd: string };
const calls = (): Call[] =>
  readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);

test("create: compile --from-recording - (the record-mode recording, sleep infinity by default) -> build -> up <digest> --name", async () => {
  const sb = await Sandbox.create("python-3.12", {
    workloadId: "ETL job",
    env: { MODEL: literal("/m") },
    tags: { a: "b" },
    ttl: 60,
  });
  const [compile, build, up, ...rest] = calls();
  assert.equal(rest.length, 0);
  assert.deepEqual(compile!.argv.slice(0, 4), ["compile", "--from-recording", "-", "--out"]);
  assert.deepEqual(compile!.argv.slice(5), ["--json"]);
  assert.deepEqual(JSON.parse(Buffer.from(compile!.stdin_b64, "base64").toString()), {
    workload_id: "ETL job",
    create: {
      template: "python-3.12",
      env: { MODEL: { kind: "literal", value: "/m" } },
      include: ["**"],
      tags: { a: "b" },
      ttl_seconds: 60,
      command: ["sleep", "infinity"],
    },
    ops: [],
  });
  // No include: the source is an empty temp dir, not the caller's cwd.
  assert.notEqual(compile!.cwd, process.cwd());
  assert.deepEqual(build!.argv, ["build", compile!.argv[4], "--json"]);
  assert.deepEqual(up!.argv.slice(0, 3), ["up", "d1", "--name"]);
  assert.match(up!.argv[3]!, /^etl-job-[0-9a-f]{8}$/);
  assert.deepEqual(up!.argv.slice(4), ["--json"]);
  assert.equal(sb.name, up!.argv[3]);
  assert.equal(sb.info?.accel, "tcg");
});

test("ports and getHost come from up --json; an unforwarded guest port is NotFoundError", async () => {
  const sb = await Sandbox.create("python-3.12");
  assert.deepEqual(sb.ports, [{ mapping_id: "web", host: "127.0.0.1", port: 18080, guest: 8000 }]);
  assert.equal(sb.getHost(8000), "127.0.0.1:18080");
  assert.throws(
    () => sb.getHost(9000),
    (e: unknown) =>
      e instanceof NotFoundError && /guest port 9000/.test(e.message) && /8000/.test(e.hint ?? ""),
  );
});

test("create: an explicit command and include; include globs are matched in the cwd", async () => {
  await Sandbox.create("node-22", { command: ["node", "server.js"], include: ["src/**"] });
  const rec = JSON.parse(Buffer.from(calls()[0]!.stdin_b64, "base64").toString());
  assert.deepEqual(rec.create.command, ["node", "server.js"]);
  assert.deepEqual(rec.create.include, ["src/**"]);
  assert.equal(calls()[0]!.cwd, process.cwd());
  assert.match(calls()[2]!.argv[3]!, /^sandbox-[0-9a-f]{8}$/);
});

test("create: a failing build is a LiveError with argv, exit code, stderr and mvmctl's code", async () => {
  process.env.FAKE_FAIL = "build";
  const e = await Sandbox.create("minimal").catch((x: unknown) => x);
  assert.ok(e instanceof LiveError, String(e));
  assert.equal(e.code, "E_SDK_LIVE");
  assert.equal(e.cliCode, "E_FAKE_BROKEN");
  assert.equal(e.exitCode, 1);
  assert.equal(e.argv[1], "build");
  assert.match(e.stderr, /build broke/);
  assert.match(e.message, /build broke/);
  assert.equal(calls().length, 2, "nothing is booted after a failed build");
});

test("create: a failing up tries down to clear the failed instance, then throws", async () => {
  process.env.FAKE_FAIL = "up";
  await assert.rejects(Sandbox.create("minimal"), LiveError);
  const c = calls();
  assert.equal(c.at(-1)!.argv[0], "down");
  assert.equal(c.at(-1)!.argv[1], c.at(-2)!.argv[3]);
});

test("instance names: hostile names never reach mvmctl, in the constructor, create or a generated name", async () => {
  const hostile: unknown[] = ["..", ".", "...", "../victim", "../../victim", "a/b", "%2e%2e", "victim\n"];
  hostile.push("a\0b", "a".repeat(64), "\u0430bc", "\uff0e\uff0e", "-all", "", "Victim", 3, undefined);
  for (const name of hostile) {
    const invalid = (e: unknown) => e instanceof MvmError && e.code === "E_INSTANCE_NAME_INVALID";
    assert.throws(() => assertInstanceName(name), invalid, JSON.stringify(name));
    assert.throws(() => new LiveSession(name as string, {} as UpInfo), invalid);
    await assert.rejects(liveCreate({}, { name: name as string }), invalid);
  }
  assert.deepEqual(calls(), []);
  for (const wid of ["..", "../..", "\u0430\u0430", "\n\n", "K\u212a", ".".repeat(100), "x".repeat(500)]) {
    assert.match(instanceName(wid), /^[a-z0-9][a-z0-9._-]{0,62}$/);
  }
});

test("instance names: up reporting another name is refused, and only the requested name is downed", async () => {
  for (const reported of ["..", "../../victim", "other-name"]) {
    process.env.FAKE_UP_NAME = reported;
    try {
      await assert.rejects(
        Sandbox.create("minimal"),
        (e: unknown) => e instanceof MvmError && e.code === "E_INSTANCE_NAME_INVALID",
      );
    } finally {
      delete process.env.FAKE_UP_NAME;
    }
    const c = calls();
    assert.deepEqual(c.at(-1)!.argv, ["down", c.at(-2)!.argv[3]]);
    assert.ok(!c.some((x) => x.argv[0] === "down" && x.argv.includes(reported)));
  }
});

test("exec: argv, cwd, env and timeout map to flags; a non-zero exit is a result", async () => {
  const sb = await Sandbox.create("minimal");
  const r = await sb.exec(["exit-with", "3"], { cwd: "/app", env: { A: "1" }, timeout: 1.5 });
  assert.deepEqual(calls().at(-1)!.argv, [
    "exec",
    sb.name,
    "--cwd",
    "/app",
    "-e",
    "A=1",
    "--timeout",
    "1500ms",
    "--",
    "exit-with",
    "3",
  ]);
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout, "partial out\n");
  assert.equal(r.stderr, "user error text\n");
  assert.ok(r.durationMs >= 0);
  const ok = await sb.exec(["python3", "-c", "print(6*7)"]);
  assert.deepEqual(ok, { ...ok, exitCode: 0, stdout: "42\n" });
});

test("exec: a command whose stderr imitates mvmctl's error block is still the command's result", async () => {
  const sb = await Sandbox.create("minimal");
  const r = await sb.exec(["forged-error"]);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /error\[E_INVOKE_TIMEOUT\]: not mvmctl's/);
});

test("exec: mvmctl's own errors become NotFoundError / TimeoutError / LiveError, secrets redacted", async () => {
  const sb = await Sandbox.create("minimal");
  await assert.rejects(
    sb.exec(["missing"]),
    (e: unknown) => e instanceof NotFoundError && e.code === "E_SDK_NOT_FOUND" && /missing/.test(e.message),
  );
  await assert.rejects(sb.exec(["slow"], { timeout: 1, env: { TOKEN: "s3cret" } }), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.code, "E_SDK_TIMEOUT");
    assert.equal(e.timeoutMs, 1000);
    assert.doesNotMatch(e.message, /s3cret/);
    assert.match(e.message, /TOKEN=<redacted>/);
    return true;
  });
});

test("commands.start: detached guest shell, argv passed as $@, returns pid and log path", async () => {
  const sb = await Sandbox.create("minimal");
  const h = await sb.commands.start(["python3", "run.py", "; rm -rf /"], { env: { K: "v" } });
  assert.equal(h?.pid, 4242);
  const argv = calls().at(-1)!.argv;
  assert.deepEqual(argv.slice(0, 4), ["exec", sb.name, "-e", "K=v"]);
  const cmd = argv.slice(argv.indexOf("--") + 1);
  assert.equal(cmd[0], "/bin/sh");
  assert.match(h!.logPath, /^\/tmp\/mvm-command-[0-9a-f]{8}\.log$/);
  assert.equal(cmd[2], startScript(h!.logPath.replace(/\.log$/, "")));
  assert.match(
    cmd[2]!,
    /setsid \/bin\/sh -c '[^']*exec "\$@"' "\$p" "\$@" <\/dev\/null >\/tmp\/mvm-command-[0-9a-f]{8}\.log 2>&1 &/,
  );
  assert.deepEqual(cmd.slice(3), ["mvm-start", "python3", "run.py", "; rm -rf /"]);
});

test("files: each call maps to mvmctl fs and parses its output", async () => {
  const sb = await Sandbox.create("minimal");
  const n = sb.name!;
  await sb.files.write("/tmp/a.txt", "hi there");
  let c = calls().at(-1)!;
  assert.deepEqual(c.argv, ["fs", "write", n, "/tmp/a.txt", "--parents"]);
  assert.equal(Buffer.from(c.stdin_b64, "base64").toString(), "hi there");
  assert.equal(Buffer.from(await sb.files.read("/tmp/a.txt")).toString(), "hello");
  assert.deepEqual(calls().at(-1)!.argv, ["fs", "read", n, "/tmp/a.txt"]);
  assert.deepEqual(await sb.files.list("/tmp"), [
    { name: "a", type: "file", size: 1, mode: 420, mtime_ms: 1 },
  ]);
  assert.deepEqual(calls().at(-1)!.argv, ["fs", "ls", n, "/tmp", "--json"]);
  assert.deepEqual(await sb.files.stat("/tmp/a.txt"), { type: "file", size: 5, mode: 420, mtime_ms: 1 });
  assert.deepEqual(calls().at(-1)!.argv, ["fs", "stat", n, "/tmp/a.txt", "--json"]);
  await sb.files.mkdir("/tmp/x/y", { parents: true });
  assert.deepEqual(calls().at(-1)!.argv, ["fs", "mkdir", n, "/tmp/x/y", "--parents"]);
  await sb.files.remove("/tmp/x", { recursive: true });
  assert.deepEqual(calls().at(-1)!.argv, ["fs", "rm", n, "/tmp/x", "--recursive"]);
  await sb.files.move("/tmp/a.txt", "/tmp/b.txt");
  c = calls().at(-1)!;
  assert.deepEqual(c.argv, ["fs", "mv", n, "/tmp/a.txt", "/tmp/b.txt"]);
});

test("kill is idempotent (one down), tolerates an instance already gone; later calls are NotFoundError", async () => {
  const sb = await Sandbox.create("minimal");
  await sb.kill();
  await sb.kill();
  assert.equal(calls().filter((c) => c.argv[0] === "down").length, 1);
  await assert.rejects(sb.exec(["true"]), NotFoundError);
  process.env.FAKE_DOWN = "gone";
  const sb2 = await Sandbox.create("minimal");
  await sb2.kill();
  await assert.rejects(sb2.files.read("/x"), NotFoundError);
});

test("await using kills the sandbox on scope exit", async () => {
  let name: string | undefined;
  {
    await using sb = await Sandbox.create("minimal");
    name = sb.name;
  }
  assert.deepEqual(calls().at(-1)!.argv, ["down", name]);
});

test("snapshot() runs mvmctl snapshot and returns its id; create({ snapshot }) passes it to up", async () => {
  const sb = await Sandbox.create("minimal");
  const id = await sb.snapshot();
  assert.equal(id, "s-0123456789abcdef");
  assert.deepEqual(calls().at(-1)!.argv, ["snapshot", sb.name, "--json"]);
  const sb2 = await Sandbox.create("minimal", { snapshot: id });
  const up = calls()
    .filter((c) => c.argv[0] === "up")
    .at(-1)!;
  assert.deepEqual(up.argv.slice(-2), ["--snapshot", id]);
  assert.equal(up.argv[up.argv.indexOf("--name") + 1], sb2.name);
});

test("a missing mvmctl binary is NotFoundError naming MVM_CLI_BIN", async () => {
  process.env.MVM_CLI_BIN = join(dir, "no-such-mvmctl");
  await assert.rejects(
    Sandbox.create("minimal"),
    (e: unknown) => e instanceof NotFoundError && /MVM_CLI_BIN/.test(e.hint ?? ""),
  );
});

test("helpers: CLI resolution, error-channel parsing, redaction", () => {
  assert.deepEqual(cliCommand({}), ["mvmctl"]);
  assert.deepEqual(cliCommand({ MVM_CLI_BIN: "/x/mvmctl.js" }), [process.execPath, "/x/mvmctl.js"]);
  assert.deepEqual(cliCommand({ MVM_CLI_BIN: "/usr/bin/mvmctl" }), ["/usr/bin/mvmctl"]);
  assert.deepEqual(parseErrorChannel('{"code":"E_X","message":"boom","hint":"h","path":".a"}\n'), {
    code: "E_X",
    message: "boom",
    hint: "h",
  });
  assert.equal(parseErrorChannel("error[E_X]: human text is not the channel\n"), undefined);
  assert.equal(parseErrorChannel('{"code":1,"message":"m"}\n'), undefined);
  assert.equal(parseErrorChannel(""), undefined);
  assert.deepEqual(redactArgv(["exec", "n", "-e", "T=secret", "--", "echo", "-e", "x"]), [
    "exec",
    "n",
    "-e",
    "T=<redacted>",
    "--",
    "echo",
    "-e",
    "x",
  ]);
});
