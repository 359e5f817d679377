// Locked dependencies really installed into images: real `mvmctl compile` of IR files, real builds
// into temp MVM_HOMEs (base rootfs and kernel cached in MVM_CACHE_DIR), contents read with debugfs.
// Python: a pure-Python wheel built here, pinned by its real sha256 in a uv.lock and in a hashed
// requirements.txt, installed from MVM_WHEELHOUSE (no index). Node: is-number@7.0.0 from the npm
// registry through package-lock.json, with a devDependency that must stay out.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { buildImage } from "../../src/image/build-image.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { ensureAgentDir, recordingReporter, sharedCacheDir } from "./fixtures.js";

const DIST = "/usr/local/lib/python3.11/dist-packages";

before(async () => {
  process.env.MVM_CACHE_DIR = sharedCacheDir();
  process.env.MVM_BUILD_BACKEND ??= "debian";
  await ensureAgentDir();
});

function debugfs(image: string, req: string): string {
  return execFileSync("debugfs", ["-R", req, image], { stdio: ["ignore", "pipe", "ignore"] }).toString();
}

/** Names in a directory of the image (debugfs `ls -p`: /inode/mode/uid/gid/name/size/). */
function lsImage(image: string, dir: string): string[] {
  return debugfs(image, `ls -p ${dir}`)
    .split("\n")
    .map((l) => l.split("/")[5] ?? "")
    .filter((n) => n && n !== "." && n !== "..");
}

/** A Python whose setuptools can build a wheel without an index (wheel package or setuptools >= 70.1). */
function wheelBuilder(): string {
  for (const py of [process.env.MVM_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean) as string[]) {
    try {
      execFileSync(py, ["-c", "import setuptools, wheel"], { stdio: "ignore" });
      return py;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    "no python3 with setuptools and wheel on this host (apt-get install python3-setuptools python3-wheel)",
  );
}

/** Builds tinymvm-0.1.0-py3-none-any.whl into a fresh wheelhouse; returns it and the wheel's sha256. */
async function tinyWheel(): Promise<{ wheelhouse: string; filename: string; sha256: string }> {
  const dir = await tempDir("mvm-wheel-src-");
  await mkdir(join(dir, "proj/tinymvm"), { recursive: true });
  await writeFile(
    join(dir, "proj/pyproject.toml"),
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "tinymvm"\nversion = "0.1.0"\n',
  );
  await writeFile(join(dir, "proj/tinymvm/__init__.py"), "VALUE = 42\n");
  const wheelhouse = join(dir, "wheelhouse");
  execFileSync(
    wheelBuilder(),
    [
      "-m",
      "pip",
      "wheel",
      "--quiet",
      "--disable-pip-version-check",
      "--no-deps",
      "--no-build-isolation",
      "--no-index",
      "-w",
      wheelhouse,
      "./proj",
    ],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  const filename = "tinymvm-0.1.0-py3-none-any.whl";
  const sha256 = createHash("sha256")
    .update(readFileSync(join(wheelhouse, filename)))
    .digest("hex");
  return { wheelhouse, filename, sha256 };
}

function uvLock(filename: string, sha256: string): string {
  return `version = 1
requires-python = ">=3.11"

[[package]]
name = "depsapp"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "tinymvm" },
    { name = "winonly", marker = "sys_platform == 'win32'" },
]

[[package]]
name = "tinymvm"
version = "0.1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.pythonhosted.invalid/packages/${filename}", hash = "sha256:${sha256}", size = 1000 }]

[[package]]
name = "winonly"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.pythonhosted.invalid/packages/winonly-1.0-cp311-cp311-win_amd64.whl", hash = "sha256:${"0".repeat(64)}" }]
`;
}

/** Writes project files and workload.json, runs the real `mvmctl compile`; returns the compiled dir. */
async function compile(files: Record<string, string>, app: Record<string, unknown>): Promise<string> {
  const dir = await tempDir("mvm-deps-");
  for (const [rel, text] of Object.entries(files)) await writeFile(join(dir, rel), text);
  const ir = {
    schema_version: "0.1",
    id: String(app.name),
    apps: [{ source: { kind: "local_path", path: "." }, ...app }],
  };
  await writeFile(join(dir, "workload.json"), JSON.stringify(ir));
  const r = await runCli(["compile", "--from-ir", "workload.json", "--out", "out"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return join(dir, "out");
}

const pyApp = (lockfile: string, tool: string) => ({
  name: "depsapp",
  image: { kind: "nix_packages", packages: ["python311"] },
  entrypoints: [{ kind: "function", language: "python", module: "app", function: "value", primary: true }],
  dependencies: { kind: "python", lockfile, tool },
});
const PY_SRC = "import tinymvm\n\ndef value() -> int:\n    return tinymvm.VALUE\n";

async function withWheelhouse<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const before = process.env.MVM_WHEELHOUSE;
  process.env.MVM_WHEELHOUSE = dir;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.MVM_WHEELHOUSE;
    else process.env.MVM_WHEELHOUSE = before;
  }
}

test("python uv.lock and hashed requirements.txt: the pinned wheel from MVM_WHEELHOUSE is in dist-packages", async () => {
  const { wheelhouse, filename, sha256 } = await tinyWheel();
  const cases: [string, string, string][] = [
    ["uv.lock", "uv", uvLock(filename, sha256)],
    ["requirements.txt", "pip_tools", `tinymvm==0.1.0 \\\n    --hash=sha256:${sha256}\n`],
  ];
  for (const [lockfile, tool, text] of cases) {
    const t0 = Date.now();
    const input = await compile({ "app.py": PY_SRC, [lockfile]: text }, pyApp(lockfile, tool));
    const home = await tempDir("mvm-home-");
    const res = await withWheelhouse(wheelhouse, () =>
      buildImage({ input, home, reporter: recordingReporter() }),
    );
    const rootfs = join(res.dir, "rootfs.ext4");
    const names = lsImage(rootfs, DIST);
    assert.ok(names.includes("tinymvm"), `${lockfile}: ${names.join(" ")}`);
    assert.ok(names.includes("tinymvm-0.1.0.dist-info"), `${lockfile}: ${names.join(" ")}`);
    assert.ok(!names.some((n) => n.startsWith("winonly")), "a win32-only dependency stays out");
    assert.equal(debugfs(rootfs, `cat ${DIST}/tinymvm/__init__.py`), "VALUE = 42\n");
    process.stderr.write(`python ${lockfile} build: ${Date.now() - t0} ms\n`);
  }
});

test("python uv.lock with a wrong sha256: the build fails naming the package, nothing in the store", async () => {
  const { wheelhouse, filename, sha256 } = await tinyWheel();
  const wrong = sha256.replace(/^./, (c) => (c === "0" ? "1" : "0"));
  const input = await compile(
    { "app.py": PY_SRC, "uv.lock": uvLock(filename, wrong) },
    pyApp("uv.lock", "uv"),
  );
  const home = await tempDir("mvm-home-");
  await assert.rejects(
    withWheelhouse(wheelhouse, () => buildImage({ input, home, reporter: recordingReporter() })),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_BUILD_DEPS_HASH_MISMATCH");
      assert.match(
        e.message,
        new RegExp(`tinymvm==0\\.1\\.0: ${filename} has sha256 ${sha256}, the lock pins ${wrong}`),
      );
      return true;
    },
  );
  assert.deepEqual(
    readdirSync(join(home, "images")).filter((n) => n !== "by-inputs" && n !== "by-workload"),
    [],
  );
  assert.deepEqual(readdirSync(join(home, "images/by-inputs")), []);
});

test("node package-lock.json: npm ci --omit=dev puts is-number in /app/node_modules, devDependencies left out", async () => {
  const t0 = Date.now();
  const proj = await tempDir("mvm-npm-");
  const pkg = {
    name: "depsnode",
    version: "1.0.0",
    private: true,
    dependencies: { "is-number": "7.0.0" },
    devDependencies: { "kind-of": "6.0.3" },
  };
  await writeFile(join(proj, "package.json"), JSON.stringify(pkg, null, 2));
  // The lockfile comes from the registry (real integrity strings); no install into the repo.
  execFileSync(
    "npm",
    ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
    {
      cwd: proj,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const lock = readFileSync(join(proj, "package-lock.json"), "utf8");
  assert.match(lock, /"node_modules\/is-number"[\s\S]*"integrity": "sha512-/);
  const input = await compile(
    {
      "package.json": JSON.stringify(pkg, null, 2),
      "package-lock.json": lock,
      "app.mjs": 'import isNumber from "is-number";\nexport function check(x) {\n  return isNumber(x);\n}\n',
    },
    {
      name: "depsnode",
      image: { kind: "nix_packages", packages: ["nodejs_18"] },
      entrypoints: [{ kind: "function", language: "node", module: "app", function: "check", primary: true }],
      dependencies: { kind: "node", lockfile: "package-lock.json", tool: "npm" },
    },
  );
  const home = await tempDir("mvm-home-");
  const res = await buildImage({ input, home, reporter: recordingReporter() });
  const rootfs = join(res.dir, "rootfs.ext4");
  const mods = lsImage(rootfs, "/app/node_modules");
  assert.ok(mods.includes("is-number"), mods.join(" "));
  assert.ok(!mods.includes("kind-of"), "devDependency omitted");
  assert.equal(JSON.parse(debugfs(rootfs, "cat /app/node_modules/is-number/package.json")).version, "7.0.0");
  process.stderr.write(`node build: ${Date.now() - t0} ms\n`);
});
