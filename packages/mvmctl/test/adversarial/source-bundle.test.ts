// Adversarial corpus: hostile local_path sources through the real `mvmctl compile`. Every attack
// aims at a marker file in a temp dir outside the project; the test asserts the REAL outcome: a
// stable error code, no output written, and the marker's bytes nowhere in what compile produced.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";

const MARKER = "MARKER-outside-secret-7f3a";
const APP = "def greet(name):\n    return name\n";

function ir(source: Record<string, unknown>): string {
  return JSON.stringify({
    schema_version: "0.1",
    id: "adv",
    apps: [
      {
        name: "adv",
        source: { kind: "local_path", include: ["**"], exclude: [], ...source },
        image: { kind: "nix_packages", packages: ["python312"] },
        entrypoints: [
          { kind: "function", language: "python", module: "app", function: "greet", primary: true },
        ],
      },
    ],
  });
}

/** base/{proj/(app.py, workload.json), outside/(app.py, secret), home/secrets/api-key}. */
async function scene(source: Record<string, unknown>) {
  const base = await tempDir("mvm-adv-src-");
  const proj = path.join(base, "proj");
  const outside = path.join(base, "outside");
  const home = path.join(base, "home");
  await mkdir(proj);
  await mkdir(outside);
  await mkdir(path.join(home, "secrets"), { recursive: true });
  await writeFile(path.join(proj, "app.py"), APP);
  await writeFile(path.join(outside, "app.py"), APP);
  await writeFile(path.join(outside, "secret"), MARKER);
  await writeFile(path.join(home, "secrets", "api-key"), MARKER);
  await writeFile(path.join(home, "secrets", "app.py"), APP);
  await writeFile(path.join(proj, "workload.json"), ir(source));
  return { base, proj, outside, home, out: path.join(base, "out") };
}

async function allBytes(dir: string): Promise<string> {
  if (!existsSync(dir)) return "";
  let s = "";
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) s += await readFile(path.join(e.parentPath, e.name), "latin1");
  }
  return s;
}

async function compile(s: Awaited<ReturnType<typeof scene>>, extra: string[] = [], input?: string) {
  const args = input === undefined ? ["compile", "proj/workload.json"] : ["compile", "-"];
  return runCli([...args, "--out", s.out, ...extra], {
    cwd: input === undefined ? s.base : s.proj,
    env: { MVM_HOME: s.home },
    input,
  });
}

async function refused(
  s: Awaited<ReturnType<typeof scene>>,
  code: string,
  extra: string[] = [],
  input?: string,
  label = "",
) {
  const r = await compile(s, extra, input);
  assert.equal(r.code, 1, `${label} ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`error\\[${code}\\]`), r.stderr);
  assert.ok(!existsSync(s.out), "no output is written");
  assert.ok(!(await readdir(s.base)).some((n) => n.startsWith(".out.")), "no temp output is left");
  assert.ok(!r.stderr.includes(MARKER) && !r.stdout.includes(MARKER), "the marker is never printed");
  return r;
}

test("local_path('/abs/dir') outside the project is E_SOURCE_OUTSIDE_PROJECT", async () => {
  const s = await scene({});
  await writeFile(path.join(s.proj, "workload.json"), ir({ path: path.join(s.base, "outside") }));
  await refused(s, "E_SOURCE_OUTSIDE_PROJECT");
});

test("local_path('../outside') is E_SOURCE_OUTSIDE_PROJECT", async () => {
  await refused(await scene({ path: "../outside" }), "E_SOURCE_OUTSIDE_PROJECT");
});

test("local_path('/proc/self', include=['environ']) is E_SOURCE_FORBIDDEN, even with --source-root /proc", async () => {
  const s = await scene({ path: "/proc/self", include: ["environ"] });
  await refused(s, "E_SOURCE_FORBIDDEN");
  await refused(s, "E_SOURCE_FORBIDDEN", ["--source-root", "/proc"]);
  for (const p of ["/sys", "/dev"]) {
    await writeFile(path.join(s.proj, "workload.json"), ir({ path: p }));
    await refused(s, "E_SOURCE_FORBIDDEN", ["--source-root", "/"]);
  }
});

test("local_path($MVM_HOME/secrets) is E_SOURCE_FORBIDDEN, even with --source-root", async () => {
  const s = await scene({});
  await writeFile(path.join(s.proj, "workload.json"), ir({ path: path.join(s.home, "secrets") }));
  await refused(s, "E_SOURCE_FORBIDDEN");
  await refused(s, "E_SOURCE_FORBIDDEN", ["--source-root", s.home]);
  await refused(s, "E_SOURCE_FORBIDDEN", ["--source-root", s.base]);
  // Through a link in the project that leads into $MVM_HOME.
  await symlink(s.home, path.join(s.proj, "h"));
  await writeFile(path.join(s.proj, "workload.json"), ir({ path: "h/secrets" }));
  await refused(s, "E_SOURCE_FORBIDDEN", ["--source-root", s.base]);
});

test("$MVM_HOME inside the project is skipped, with a warning, when the project is bundled", async () => {
  const s = await scene({ path: "." });
  const home = path.join(s.proj, "dot-mvm");
  await mkdir(path.join(home, "secrets"), { recursive: true });
  await writeFile(path.join(home, "secrets", "api-key"), MARKER);
  const r = await runCli(["compile", "proj/workload.json", "--out", s.out], {
    cwd: s.base,
    env: { MVM_HOME: home },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipping dot-mvm: .* is never bundled/);
  assert.ok(!(await allBytes(s.out)).includes(MARKER), "the secret is not in the output");
  assert.ok(!existsSync(path.join(s.out, "src/dot-mvm")));
});

test("a source root reached through links is checked by realpath", async () => {
  const s = await scene({ path: "linkdir" });
  await symlink("../outside", path.join(s.proj, "linkdir"));
  await refused(s, "E_SOURCE_OUTSIDE_PROJECT");
  // A directory link in the middle of the path.
  await symlink(s.base, path.join(s.proj, "up"));
  await writeFile(path.join(s.proj, "workload.json"), ir({ path: "up/outside" }));
  await refused(s, "E_SOURCE_OUTSIDE_PROJECT");
});

test("--source-root names another root; it must exist", async () => {
  const s = await scene({ path: "../outside", include: ["app.py"] });
  const r = await compile(s, ["--source-root", "outside"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readdir(path.join(s.out, "src")), ["app.py"]);
  const missing = await compile(s, ["--source-root", "nope"]);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /E_USAGE/);
});

test("IR on stdin: the project root is the current directory", async () => {
  const s = await scene({ path: "." });
  await refused(s, "E_SOURCE_OUTSIDE_PROJECT", [], ir({ path: ".." }));
  const ok = await compile(s, [], ir({ path: ".", include: ["app.py"] }));
  assert.equal(ok.code, 0, ok.stderr);
});

test("--from-ir file: the project root is the IR file's directory", async () => {
  const s = await scene({});
  await mkdir(path.join(s.proj, "sub"));
  await writeFile(path.join(s.proj, "sub", "w.json"), ir({ path: ".." }));
  const r = await runCli(["compile", "--from-ir", "proj/sub/w.json", "--out", s.out], {
    cwd: s.base,
    env: { MVM_HOME: s.home },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error\[E_SOURCE_OUTSIDE_PROJECT\]/);
  assert.ok(!existsSync(s.out));
});

test("a Python declaration: local_path('../outside') is refused and never bundled", async () => {
  const s = await scene({});
  await writeFile(
    path.join(s.proj, "app.py"),
    `import mvm\n\n\n@mvm.app(name="adv", source=mvm.local_path("../outside"), image=mvm.python_image(python="3.12"), entrypoint=mvm.entrypoint_function(module="app", function="greet", primary=True))\ndef greet(name: str) -> str:\n    return name\n`,
  );
  const r = await runCli(["compile", "proj/app.py", "--out", s.out], {
    cwd: s.base,
    env: { MVM_HOME: s.home },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error\[E_SOURCE_OUTSIDE_PROJECT\]/);
  assert.ok(!existsSync(s.out));
});

test("symlink chains are resolved, not read lexically: l -> ., x -> l/l/l/../../../../outside/secret", async () => {
  const s = await scene({ path: "." });
  await symlink(".", path.join(s.proj, "l"));
  await symlink("l/l/l/../../../../outside/secret", path.join(s.proj, "x"));
  const r = await refused(s, "E_SOURCE_OUT_OF_TREE_SYMLINK");
  assert.match(r.stderr, /x -> l\/l\/l/);
});

test("a link that is lexically inside but really outside (through a deep link to the root) is refused", async () => {
  const s = await scene({ path: "." });
  await mkdir(path.join(s.proj, "a/b/c/d/e"), { recursive: true });
  await symlink("../../../../..", path.join(s.proj, "a/b/c/d/e/s"));
  await symlink("a/b/c/d/e/s/../outside/secret", path.join(s.proj, "t"));
  const r = await refused(s, "E_SOURCE_OUT_OF_TREE_SYMLINK");
  assert.match(r.stderr, /t -> a\/b\/c\/d\/e\/s\/\.\.\/outside\/secret resolves to .*outside/);
});

test("dangling and absolute links are refused", async () => {
  const s = await scene({ path: "." });
  await symlink("nowhere/at/all", path.join(s.proj, "dangling"));
  await refused(s, "E_SOURCE_OUT_OF_TREE_SYMLINK");
});

test("FIFOs, sockets and devices are skipped with a warning; compile does not hang on a FIFO", async () => {
  const s = await scene({ path: "." });
  execFileSync("mkfifo", [path.join(s.proj, "pipe")]);
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(path.join(s.proj, "sock"), res));
  let device = false;
  try {
    execFileSync("mknod", [path.join(s.proj, "nulldev"), "c", "1", "3"], { stdio: "ignore" });
    device = true;
  } catch {
    // not root: the FIFO and the socket still cover special files
  }
  try {
    const r = await compile(s);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: skipping pipe: a FIFO is not source/);
    assert.match(r.stderr, /warning: skipping sock: a socket is not source/);
    if (device) assert.match(r.stderr, /warning: skipping nulldev: a device is not source/);
    const names = await readdir(path.join(s.out, "src"));
    assert.deepEqual(names.sort(), ["app.py", "workload.json"]);
  } finally {
    server.close();
  }
});

test("names that cannot be represented are E_SOURCE_NAME_INVALID, not dropped; excluding them works", async () => {
  const bad: [string, string | Buffer][] = [
    ["newline", "evil\nname.py"],
    ["tab", "a\tb"],
    ["escape", "\u001b[31mred"],
    ["C1 CSI", "x\u009by"],
    ["non-UTF-8", Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x70, 0x79])],
  ];
  for (const [label, name] of bad) {
    const s = await scene({ path: "." });
    const p =
      typeof name === "string" ? path.join(s.proj, name) : Buffer.concat([Buffer.from(`${s.proj}/`), name]);
    writeFileSync(p, "x");
    const r = await refused(s, "E_SOURCE_NAME_INVALID", [], undefined, label);
    assert.ok(!r.stderr.includes("\u001b[31m"), `${label}: the raw name is not echoed`);
    // A directory with such a name too.
    const s2 = await scene({ path: "." });
    const d =
      typeof name === "string" ? path.join(s2.proj, name) : Buffer.concat([Buffer.from(`${s2.proj}/`), name]);
    await mkdir(d);
    await refused(s2, "E_SOURCE_NAME_INVALID", [], undefined, `${label} directory`);
  }
  const s = await scene({ path: ".", exclude: ["evil*"] });
  await writeFile(path.join(s.proj, "evil\nname.py"), "x");
  const r = await compile(s);
  assert.equal(r.code, 0, r.stderr);
});
