// uv.lock -> guest wheels: markers evaluated for the guest, wheel choice by tag, sdist-only and
// missing hashes refused, hash verification before pip. No network, no build.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { evalMarker } from "../../src/image/deps/markers.js";
import { installWheels, pipArgs, verifyWheel } from "../../src/image/deps/uv-install.js";
import { planUvLock } from "../../src/image/deps/uv-lock.js";
import { guestScore, parseWheelName } from "../../src/image/deps/wheel-tags.js";

const H = (c: string) => c.repeat(64);

test("markers are evaluated for the guest (linux x86_64 CPython 3.11), not the host", () => {
  assert.equal(evalMarker("sys_platform == 'win32'"), false);
  assert.equal(evalMarker("sys_platform == 'linux' and platform_machine == 'x86_64'"), true);
  assert.equal(evalMarker("python_version < '3.11'"), false);
  assert.equal(evalMarker("python_version >= '3.9'"), true);
  assert.equal(evalMarker("python_full_version >= '3.11.10'"), false, "3.11.2 < 3.11.10 numerically");
  assert.equal(evalMarker("python_version == '3.*'"), true);
  assert.equal(evalMarker("(os_name == 'nt' or sys_platform == 'darwin') and python_version > '3'"), false);
  assert.equal(evalMarker("platform_python_implementation != 'PyPy'"), true);
  assert.equal(evalMarker("'linux' in sys_platform"), true);
  assert.equal(evalMarker("extra == 'dev'"), false);
  assert.equal(evalMarker(undefined), true);
  assert.throws(() => evalMarker("python_version <"), { code: "E_BUILD_DEPS_FAILED" });
});

test("wheel tags: cp311 manylinux <= glibc 2.36, abi3, py3-none-any run in the guest; others do not", () => {
  const score = (f: string) => guestScore(parseWheelName(f)!);
  assert.ok(score("a-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl") > 0);
  assert.ok(score("a-1-cp38-abi3-manylinux_2_28_x86_64.whl") > 0);
  assert.ok(score("a-1-py3-none-any.whl") > 0);
  assert.ok(score("a-1-py2.py3-none-any.whl") > 0);
  assert.equal(score("a-1-cp312-cp312-manylinux2014_x86_64.whl"), 0);
  assert.equal(score("a-1-cp311-cp311-manylinux_2_39_x86_64.whl"), 0, "glibc newer than bookworm's");
  assert.equal(score("a-1-cp311-cp311-manylinux2014_aarch64.whl"), 0);
  assert.equal(score("a-1-cp311-cp311-musllinux_1_1_x86_64.whl"), 0);
  assert.equal(score("a-1-cp311-cp311-win_amd64.whl"), 0);
  assert.equal(score("a-1-py2-none-any.whl"), 0);
  assert.ok(score("a-1-cp311-cp311-manylinux2014_x86_64.whl") > score("a-1-py3-none-any.whl"));
  assert.equal(parseWheelName("a-1.tar.gz"), null);
});

const LOCK = `version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "fast", extra = ["speed"] },
    { name = "numpyish" },
]

[package.dev-dependencies]
dev = [{ name = "pytest-ish" }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/colorama-0.4.6-py2.py3-none-any.whl", hash = "sha256:${H("c")}" }]

[[package]]
name = "fast"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/fast-2.0-py3-none-any.whl", hash = "sha256:${H("f")}" }]

[package.optional-dependencies]
speed = [{ name = "accel" }]

[[package]]
name = "accel"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/accel-1.0-py3-none-any.whl", hash = "sha256:${H("a")}" }]

[[package]]
name = "numpyish"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/numpyish-1.26.4-cp311-cp311-win_amd64.whl", hash = "sha256:${H("1")}" },
    { url = "https://files.example/numpyish-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:${H("2")}" },
    { url = "https://files.example/numpyish-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:${H("3")}" },
]

[[package]]
name = "pytest-ish"
version = "8.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/pytest_ish-8.0-py3-none-any.whl", hash = "sha256:${H("d")}" }]
`;

test("planUvLock walks from the project: guest markers, extras followed, dev groups and win32 deps left out", () => {
  const plan = planUvLock(LOCK);
  assert.deepEqual(plan.projects, ["app"]);
  assert.deepEqual(
    plan.wheels.map((w) => [w.name, w.filename]),
    [
      ["accel", "accel-1.0-py3-none-any.whl"],
      ["fast", "fast-2.0-py3-none-any.whl"],
      ["numpyish", "numpyish-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"],
    ],
  );
  const np = plan.wheels.find((w) => w.name === "numpyish")!;
  assert.equal(np.sha256, H("2"));
  assert.deepEqual(np.platforms, ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]);
});

test("planUvLock refuses sdist-only packages, wheels for other platforms and git sources, naming the package", () => {
  const proj = `[[package]]\nname = "app"\nversion = "0"\nsource = { editable = "." }\ndependencies = [{ name = "x" }]\n`;
  const sdistOnly = `${proj}\n[[package]]\nname = "x"\nversion = "1"\nsource = { registry = "r" }\nsdist = { url = "https://f/x-1.tar.gz", hash = "sha256:${H("e")}" }\n`;
  assert.throws(
    () => planUvLock(sdistOnly),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_BUILD_DEPS_FAILED");
      assert.match(e.message, /x==1 is locked as a source distribution only/);
      return true;
    },
  );
  const macOnly = `${proj}\n[[package]]\nname = "x"\nversion = "1"\nsource = { registry = "r" }\nwheels = [{ url = "https://f/x-1-cp311-cp311-macosx_11_0_arm64.whl", hash = "sha256:${H("e")}" }]\n`;
  assert.throws(() => planUvLock(macOnly), /x==1 has no wheel for the guest.*macosx_11_0_arm64/);
  const git = `${proj}\n[[package]]\nname = "x"\nversion = "1"\nsource = { git = "https://g/x?rev=1#abc" }\n`;
  assert.throws(() => planUvLock(git), /x==1 comes from a git source/);
  const unhashed = `${proj}\n[[package]]\nname = "x"\nversion = "1"\nsource = { registry = "r" }\nwheels = [{ url = "https://f/x-1-py3-none-any.whl" }]\n`;
  assert.throws(() => planUvLock(unhashed), /no sha256 hash/);
  assert.throws(
    () => planUvLock(`[[package]]\nname = "x"\nversion = "1"\nsource = { registry = "r" }\n`),
    /no project package/,
  );
});

test("pipArgs installs only the verified local files, offline, with hashes, for the guest's tags", () => {
  const w = planUvLock(LOCK).wheels.find((x) => x.name === "numpyish")!;
  const { args, requirements } = pipArgs(
    [{ wheel: w, file: "/w/n.whl" }],
    "/root/dist",
    "/t/req.txt",
    "3.11",
  );
  for (const flag of ["--no-index", "--require-hashes", "--no-deps", "--only-binary=:all:"])
    assert.ok(args.includes(flag), flag);
  assert.deepEqual(args.slice(args.indexOf("--target"), args.indexOf("--target") + 2), [
    "--target",
    "/root/dist",
  ]);
  assert.equal(args.filter((a) => a === "--platform").length, 2);
  assert.ok(args.includes("manylinux_2_17_x86_64"));
  assert.equal(requirements, `/w/n.whl --hash=sha256:${H("2")}\n`);
});

test("a wheelhouse file with another sha256 is refused before pip runs; a missing one names the file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mvm-wh-"));
  await writeFile(join(dir, "fast-2.0-py3-none-any.whl"), "not the locked bytes");
  const fast = planUvLock(LOCK).wheels.find((x) => x.name === "fast")!;
  let pipRan = false;
  await assert.rejects(
    installWheels([fast], { wheelhouse: dir, lockDir: dir }, "/nowhere", "3.11", async () => {
      pipRan = true;
    }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_BUILD_DEPS_HASH_MISMATCH");
      assert.match(e.message, new RegExp(`fast==2.0: .* the lock pins ${H("f")}`));
      return true;
    },
  );
  assert.equal(pipRan, false);
  const accel = planUvLock(LOCK).wheels.find((x) => x.name === "accel")!;
  await assert.rejects(
    installWheels([accel], { wheelhouse: dir, lockDir: dir }, "/nowhere", "3.11", async () => {}),
    /accel-1.0-py3-none-any.whl is not in MVM_WHEELHOUSE/,
  );
  const good = { ...fast, sha256: createHash("sha256").update("not the locked bytes").digest("hex") };
  await verifyWheel(good, join(dir, "fast-2.0-py3-none-any.whl"));
});

test("without a wheelhouse the lock's URL is fetched; an unreachable index fails naming the URL and MVM_WHEELHOUSE", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mvm-wh-"));
  const fast = {
    ...planUvLock(LOCK).wheels.find((x) => x.name === "fast")!,
    url: "http://127.0.0.1:9/fast-2.0-py3-none-any.whl",
  };
  await assert.rejects(
    installWheels([fast], { lockDir: dir }, "/nowhere", "3.11", async () => {}),
    (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "E_BUILD_DEPS_FAILED");
      assert.match(
        e.message,
        /cannot download fast==2\.0 from http:\/\/127\.0\.0\.1:9\/fast-2\.0-py3-none-any\.whl/,
      );
      assert.match(String(e.hint), /MVM_WHEELHOUSE/);
      return true;
    },
  );
});
