// The resident compile server and its native client (docs/adr/0013-compile-server.md), for real:
// the client built with `make -C packages/mvmctl/native`, servers started by it (or, for the
// process.exit case, by the server module itself) in a temp XDG_RUNTIME_DIR, killed in teardown.
// A compile through the server must be indistinguishable from `node bin/mvmctl.js compile`:
// same bytes on stdout and stderr, same exit code, same compiled directory.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { canConnect } from "../../src/cli/compile-server.js";
import { MVMCTL, REPO_ROOT, tempDir } from "../helpers/cli.js";

const PKG = path.join(REPO_ROOT, "packages/mvmctl");
const CLIENT = path.join(PKG, "native/build/mvmctl-client");
const BUNDLE = path.join(PKG, "dist/bundle/mvmctl.cjs");
const PY_APP = "examples/python/hello-app/app.py";
const TS_APP = "examples/node/hello-app/app.ts";
const UID = process.getuid!();

interface Run {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The environment of every run: the test's, minus whatever would turn the server off. */
function baseEnv(xdg: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: xdg, NO_COLOR: "1", ...extra };
  for (const k of ["MVM_NO_SERVER", "MVM_NO_BUNDLE", "MVM_ERROR_FD", "NODE_OPTIONS", "FORCE_COLOR", "CI"])
    if (!(k in extra)) delete env[k];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** Runs argv[0] with argv[1..] under `umask`, collecting raw bytes. */
function run(argv: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv; umask?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", `umask ${opts.umask ?? "022"}; exec "$@"`, "sh", ...argv], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

const viaClient = (args: string[], o: Parameters<typeof run>[1]) => run([CLIENT, ...args], o);
const viaNode = (args: string[], o: Parameters<typeof run>[1]) => run([process.execPath, MVMCTL, ...args], o);

function bundleId(): string {
  const id = /^\/\/ mvm-bundle ([0-9a-f]+)\n/.exec(readFileSync(BUNDLE, "latin1").slice(0, 64))?.[1];
  assert.ok(id, "dist/bundle/mvmctl.cjs has no build id: run `npm run build`");
  return id;
}

const sockDir = (xdg: string) => path.join(xdg, `mvm-cli-${UID}`);
const sockPath = (xdg: string) => path.join(sockDir(xdg), `compile-${bundleId()}.sock`);

/** How many requests the server of `xdg` logged as served (0 without a server). */
function served(xdg: string): number {
  const log = sockPath(xdg).replace(/\.sock$/, ".log");
  if (!existsSync(log)) return 0;
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.includes("served compile")).length;
}

async function waitForServer(xdg: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await canConnect(sockPath(xdg))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no compile server came up in ${sockDir(xdg)}`);
}

/** Every server started under the temp dirs of this file, killed in teardown. */
const xdgs: string[] = [];
const children: ChildProcess[] = [];
async function newXdg(): Promise<string> {
  const d = await tempDir("mvm-xdg-");
  xdgs.push(d);
  return d;
}
function killServers(): void {
  for (const xdg of xdgs) {
    const dir = sockDir(xdg);
    if (!existsSync(dir) || !lstatSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".pid"))) {
      try {
        process.kill(Number(readFileSync(path.join(dir, f), "utf8")), "SIGKILL");
      } catch {}
    }
  }
  for (const c of children) c.kill("SIGKILL");
}

/** path -> mode and content (or link target) of every entry under dir. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = path.join(rel, name);
      const p = path.join(dir, r);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(r);
      } else if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else out[r] = `file ${mode} ${readFileSync(p).toString("base64")}`;
    }
  };
  walk("");
  return out;
}

/** The LineReporter's elapsed times are the only bytes two runs may differ in. */
const untimed = (b: Buffer) =>
  b
    .toString("utf8")
    .replace(/\[\s*\d+(\.\d+)?m?s\]/g, "[T]")
    .replace(/\(\d+(\.\d+)?m?s\)/g, "(T)");

let work: string;
before(async () => {
  const make = spawnSync("make", ["-s", "-C", path.join(PKG, "native")], { encoding: "utf8" });
  assert.equal(make.status, 0, `make -C packages/mvmctl/native failed: ${make.stderr}`);
  const mtime = (p: string) => (existsSync(p) ? lstatSync(p).mtimeMs : -1);
  const fresh = [path.join(PKG, "dist/.tsbuildinfo"), path.join(REPO_ROOT, "packages/ir/dist/.tsbuildinfo")];
  assert.ok(
    existsSync(BUNDLE) && fresh.every((f) => mtime(BUNDLE) >= mtime(f)),
    "dist/bundle is missing or older than tsc's output: run `npm run build`",
  );
  work = await tempDir("mvm-srv-work-");
  writeFileSync(path.join(work, "bad.py"), "import mvm\n\n@mvm.app(name='x'\ndef f(:\n    pass\n");
  copyFileSync(path.join(PKG, "test/compile/record-scripts/etl.py"), path.join(work, "etl.py"));
});
after(async () => {
  killServers();
  for (const d of [...xdgs, work]) if (d) await rm(d, { recursive: true, force: true });
});

describe("through a warm server", () => {
  let xdg: string;
  before(async () => {
    xdg = await newXdg();
    // The first call finds no server: it starts one and runs node itself.
    const first = await viaClient(["compile", PY_APP, "--out", path.join(work, "first"), "-q"], {
      env: baseEnv(xdg),
    });
    assert.equal(first.code, 0, first.stderr.toString());
    await waitForServer(xdg);
    assert.equal(served(xdg), 0, "the call that started the server must not wait for it");
    const st = lstatSync(sockDir(xdg));
    assert.equal(st.mode & 0o7777, 0o700);
  });

  const cases: [string, string[], NodeJS.ProcessEnv?, string?][] = [
    ["python, quiet", [PY_APP, "-q"]],
    ["python, progress on stderr", [PY_APP]],
    ["python, --json", [PY_APP, "--json"]],
    ["typescript", [TS_APP]],
    ["typescript, --json", [TS_APP, "--json"]],
    ["python, umask 077", [PY_APP], {}, "077"],
    ["syntax error", ["bad.py"]],
    ["syntax error, --json", ["bad.py", "--json"]],
    ["syntax error, colours forced", ["bad.py"], { NO_COLOR: undefined, FORCE_COLOR: "1" }],
    ["usage error", ["--no-such-flag"]],
    ["--help", ["--help"]],
  ];
  for (const [name, args, extra, umask] of cases) {
    test(`same bytes and files as node bin/mvmctl.js: ${name}`, async () => {
      const env = baseEnv(xdg, extra);
      const cwd = args[0] === "bad.py" ? work : REPO_ROOT;
      const out = path.join(work, "out");
      const argv = ["compile", ...args, "--out", out];
      const direct = await viaNode(argv, { cwd, env, umask });
      const directTree = existsSync(out) ? tree(out) : undefined;
      if (existsSync(out)) renameSync(out, path.join(work, `direct-${Date.now()}`));
      const before = served(xdg);
      const server = await viaClient(argv, { cwd, env, umask });
      assert.equal(served(xdg), before + 1, "the call was not served by the server");
      assert.equal(server.code, direct.code);
      assert.equal(server.stdout.toString("base64"), direct.stdout.toString("base64"));
      assert.equal(untimed(server.stderr), untimed(direct.stderr));
      assert.deepEqual(existsSync(out) ? tree(out) : undefined, directTree);
      if (existsSync(out)) renameSync(out, path.join(work, `server-${Date.now()}`));
      if (name.startsWith("syntax")) assert.equal(server.code, 1);
      if (name.includes("forced")) assert.ok(server.stderr.includes("\x1b["), "no colour");
    });
  }

  test("requests in sequence each see their own environment and cwd", async () => {
    const refuse = { MVM_NO_AUTO_RUN: "1" };
    const noPython = { MVM_PYTHON: path.join(work, "no-such-python") };
    const seen: string[] = [];
    for (const [extra, want] of [
      [refuse, "E_AUTORUN_REFUSED"],
      [noPython, "E_PYTHON_NOT_FOUND"],
      [refuse, "E_AUTORUN_REFUSED"],
      [{ ...noPython, NO_COLOR: undefined, FORCE_COLOR: "1" }, "\x1b["],
      [noPython, "E_PYTHON_NOT_FOUND"],
    ] as const) {
      const env = baseEnv(xdg, extra);
      const before = served(xdg);
      const r = await viaClient(["compile", "etl.py", "--out", "o"], { cwd: work, env });
      assert.equal(served(xdg), before + 1);
      const direct = await viaNode(["compile", "etl.py", "--out", "o"], { cwd: work, env });
      assert.equal(r.code, direct.code);
      assert.equal(untimed(r.stderr), untimed(direct.stderr));
      assert.ok(r.stderr.toString().includes(want), `want ${JSON.stringify(want)} in ${r.stderr}`);
      seen.push(r.stderr.toString().includes("\x1b[") ? "colour" : "plain");
    }
    assert.deepEqual(seen, ["plain", "plain", "plain", "colour", "plain"]);

    // cwd: a relative entry and --out resolve against each request's own directory.
    const a = await tempDir("mvm-srv-a-");
    const b = await tempDir("mvm-srv-b-");
    for (const d of [a, b]) copyFileSync(path.join(REPO_ROOT, PY_APP), path.join(d, "app.py"));
    for (const d of [a, b, a]) {
      const r = await viaClient(["compile", "app.py", "--out", "out", "-q"], { cwd: d, env: baseEnv(xdg) });
      assert.equal(r.code, 0, r.stderr.toString());
    }
    for (const d of [a, b]) assert.ok(existsSync(path.join(d, "out/workload.json")));
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  });

  test("malformed and oversized requests are refused; the server keeps serving", async () => {
    const ask = (bytes: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const c = net.connect(sockPath(xdg));
        const got: Buffer[] = [];
        c.on("data", (d) => got.push(d));
        c.on("close", () => resolve(Buffer.concat(got)));
        c.on("error", () => {});
        c.end(bytes);
      });
    const header = (len: number) => {
      const h = Buffer.alloc(12);
      h.write("MVMC", 0, "latin1");
      h.writeUInt32BE(1, 4);
      h.writeUInt32BE(len, 8);
      return h;
    };
    for (const bad of [
      Buffer.from("GET / HTTP/1.0\r\n\r\n"),
      header(0xffffffff),
      Buffer.concat([header(8), Buffer.alloc(8, 0xff)]),
    ]) {
      const reply = await ask(bad);
      assert.equal(reply[0], 4, `want a "refused" frame, got ${reply.toString("hex").slice(0, 40)}`);
      assert.equal(reply.readUInt32BE(1), reply.length - 5);
    }
    const r = await viaClient(["compile", PY_APP, "--out", path.join(work, "after-garbage"), "-q"], {
      env: baseEnv(xdg),
    });
    assert.equal(r.code, 0);
    assert.ok(served(xdg) > 0);
  });

  test("MVM_NO_SERVER, stdin input, /dev/stdin and other verbs never reach the server", async () => {
    const before = served(xdg);
    const out = path.join(work, "no-server");
    const r = await viaClient(["compile", PY_APP, "--out", out, "-q"], {
      env: baseEnv(xdg, { MVM_NO_SERVER: "1" }),
    });
    assert.equal(r.code, 0);
    const ir = readFileSync(path.join(out, "workload.json"), "utf8");
    const stdin = await viaClient(["compile", "-", "--out", `${out}-stdin`, "-q"], { env: baseEnv(xdg) });
    assert.notEqual(stdin.code, 0, "empty stdin is not IR"); // node read our (empty) stdin
    await viaClient(["compile", "--from-ir", "/dev/stdin", "--out", `${out}-devstdin`, "-q"], {
      env: baseEnv(xdg),
    });
    const v = await viaClient(["--version"], { env: baseEnv(xdg) });
    assert.equal(v.stdout.toString().trim().length > 0, true);
    assert.equal(served(xdg), before);
    assert.ok(ir.length > 0);
  });
});

describe("a socket directory the client cannot trust makes it run node", () => {
  const hostile: [string, (dir: string, xdg: string) => string][] = [
    [
      "a symlink to a directory",
      (dir, xdg) => {
        const target = path.join(xdg, "target");
        mkdirSync(target, { mode: 0o700 });
        writeFileSync(path.join(target, "marker"), "m");
        symlinkSync(target, dir);
        return target;
      },
    ],
    [
      "mode 0755",
      (dir) => {
        mkdirSync(dir);
        chmodSync(dir, 0o755);
        return dir;
      },
    ],
    [
      "owned by another user",
      (dir) => {
        mkdirSync(dir, { mode: 0o700 });
        chownSync(dir, 65534, 65534);
        return dir;
      },
    ],
    [
      "a regular file",
      (dir) => {
        writeFileSync(dir, "not a directory");
        return dir;
      },
    ],
  ];
  for (const [name, plant] of hostile) {
    test(name, {
      skip: name.includes("another user") && UID !== 0 ? "needs root to chown" : false,
    }, async () => {
      const xdg = await newXdg();
      const dir = sockDir(xdg);
      const victim = plant(dir, xdg);
      const beforeStat = lstatSync(victim);
      const beforeTree = beforeStat.isDirectory() ? tree(victim) : readFileSync(victim, "utf8");
      const out = path.join(work, `hostile-${name.replace(/\W+/g, "-")}`);
      for (let i = 0; i < 2; i++) {
        const r = await viaClient(["compile", PY_APP, "--out", out, "-q"], { env: baseEnv(xdg) });
        assert.equal(r.code, 0, r.stderr.toString());
      }
      assert.ok(existsSync(path.join(out, "workload.json")), "node did not compile");
      const afterStat = lstatSync(victim);
      assert.equal(afterStat.mode, beforeStat.mode);
      assert.equal(afterStat.uid, beforeStat.uid);
      assert.deepEqual(afterStat.isDirectory() ? tree(victim) : readFileSync(victim, "utf8"), beforeTree);
    });
  }
});

describe("a stale bundle", () => {
  test("makes the client run node; a fresh one starts a server", async () => {
    // A copy of the package layout the client derives from /proc/self/exe: the client, a bundle
    // with the real build id, tsc's build info, and bin/mvmctl.js (a link to the real launcher).
    const pkg = path.join(await newXdg(), "packages/mvmctl");
    for (const d of ["native/build", "dist/bundle", "bin", "../ir/dist"])
      mkdirSync(path.join(pkg, d), { recursive: true });
    copyFileSync(CLIENT, path.join(pkg, "native/build/mvmctl-client"));
    chmodSync(path.join(pkg, "native/build/mvmctl-client"), 0o755);
    copyFileSync(BUNDLE, path.join(pkg, "dist/bundle/mvmctl.cjs"));
    symlinkSync(MVMCTL, path.join(pkg, "bin/mvmctl.js"));
    const info = [path.join(pkg, "dist/.tsbuildinfo"), path.join(pkg, "../ir/dist/.tsbuildinfo")];
    for (const f of info) writeFileSync(f, "{}");
    const now = Date.now() / 1000;
    utimesSync(path.join(pkg, "dist/bundle/mvmctl.cjs"), now - 100, now - 100);
    utimesSync(info[1]!, now - 200, now - 200);
    utimesSync(info[0]!, now - 50, now - 50); // tsc ran after the bundle was made
    const xdg = await newXdg();
    const client = path.join(pkg, "native/build/mvmctl-client");
    const out = path.join(work, "stale");
    const r = await run([client, "compile", PY_APP, "--out", out, "-q"], { env: baseEnv(xdg) });
    assert.equal(r.code, 0, r.stderr.toString());
    assert.ok(existsSync(path.join(out, "workload.json")));
    assert.equal(existsSync(sockDir(xdg)), false, "a stale bundle must not even create the socket dir");

    utimesSync(info[0]!, now - 150, now - 150); // the bundle is newer again
    const fresh = await run([client, "compile", PY_APP, "--out", out, "-q"], { env: baseEnv(xdg) });
    assert.equal(fresh.code, 0, fresh.stderr.toString());
    await waitForServer(xdg); // proves the check above can fail
  });
});

describe("process.exit inside a request", () => {
  test("ends that request with its code; the server serves the next one", async () => {
    const xdg = await newXdg();
    mkdirSync(sockDir(xdg), { mode: 0o700 });
    // The real server module and the real main(); the CLI has no compile path that calls
    // process.exit, so this main adds one (synchronous and from a timer) in front of it.
    const dist = path.join(PKG, "dist/cli");
    const script = `
      const { serveCompile } = await import(${JSON.stringify(path.join(dist, "compile-server.js"))});
      const { main } = await import(${JSON.stringify(path.join(dist, "main.js"))});
      await serveCompile([process.argv[1]], async (argv) => {
        if (argv.includes("--exit-now")) { process.stdout.write("bye\\n"); process.exit(7); }
        if (argv.includes("--exit-later")) {
          process.stderr.write("later\\n");
          await new Promise(() => setTimeout(() => process.exit(9), 10));
        }
        return main(argv);
      });`;
    const server = spawn(process.execPath, ["--input-type=module", "-e", script, sockPath(xdg)], {
      env: baseEnv(xdg),
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(server);
    let log = "";
    server.stderr.on("data", (b: Buffer) => {
      log += b;
    });
    await waitForServer(xdg);
    const env = baseEnv(xdg);
    const now = await viaClient(["compile", "--exit-now"], { env });
    assert.equal(now.code, 7);
    assert.equal(now.stdout.toString(), "bye\n");
    const later = await viaClient(["compile", "--exit-later"], { env });
    assert.equal(later.code, 9);
    assert.equal(later.stderr.toString(), "later\n");
    const out = path.join(work, "after-exit");
    const ok = await viaClient(["compile", PY_APP, "--out", out, "-q"], { env });
    assert.equal(ok.code, 0, ok.stderr.toString());
    assert.ok(existsSync(path.join(out, "workload.json")));
    assert.equal(server.exitCode, null, `the server exited: ${log}`);
    assert.equal((log.match(/served compile/g) ?? []).length, 3, log);
  });
});

describe("the package.json bin launcher (bin/mvmctl)", () => {
  test("runs the client (compile through the server) by path and through links", async () => {
    const xdg = await newXdg();
    const links = await newXdg();
    const launcher = path.join(PKG, "bin/mvmctl");
    symlinkSync(launcher, path.join(links, "mvmctl")); // what npm puts in node_modules/.bin
    symlinkSync(path.join(PKG, "bin"), path.join(links, "bindir"));
    const env = baseEnv(xdg);
    const version = await viaNode(["--version"], { env });
    for (const cmd of [launcher, path.join(links, "mvmctl"), path.join(links, "bindir/mvmctl")]) {
      const v = await run([cmd, "--version"], { env });
      assert.equal(v.stdout.toString(), version.stdout.toString(), cmd);
    }
    const bare = await run(["sh", "mvmctl", "--version"], { cwd: links, env });
    assert.equal(bare.stdout.toString(), version.stdout.toString());
    await run([launcher, "compile", PY_APP, "--out", path.join(work, "launcher"), "-q"], { env });
    await waitForServer(xdg);
    const before = served(xdg);
    const r = await run(
      [path.join(links, "mvmctl"), "compile", PY_APP, "--out", path.join(work, "launcher"), "-q"],
      {
        env,
      },
    );
    assert.equal(r.code, 0, r.stderr.toString());
    assert.equal(served(xdg), before + 1);
  });
});
