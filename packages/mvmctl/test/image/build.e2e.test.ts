// Real builds (mmdebstrap, mkfs.ext4, the pinned kernel) into temp MVM_HOMEs. The download caches
// are shared through MVM_CACHE_DIR, so only the first run on a machine fetches Debian packages.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { buildImage } from "../../src/image/build-image.js";
import { runBuilderVm } from "../../src/runtime/builder-vm.js";
import { compiledFixture, ensureAgentDir, recordingReporter, sharedCacheDir } from "./fixtures.js";

before(async () => {
  process.env.MVM_CACHE_DIR = sharedCacheDir();
  process.env.MVM_BUILD_BACKEND ??= "debian";
  await ensureAgentDir();
});

/** A file's content inside an ext4 image, read with debugfs (no mount). */
function catInImage(image: string, path: string): string {
  return execFileSync("debugfs", ["-R", `cat ${path}`, image], {
    stdio: ["ignore", "pipe", "ignore"],
  }).toString();
}

function existsInImage(image: string, path: string): boolean {
  const out = execFileSync("debugfs", ["-R", `stat ${path}`, image], {
    stdio: ["ignore", "pipe", "pipe"],
  }).toString();
  return out.includes("Inode:");
}

const hooks = {
  before_build: [{ kind: "shell", line: "echo baked > /app/from-hook.txt" }],
  before_start: [{ kind: "argv", argv: ["echo", "starting"] }],
};

test("python: build, image.json, cache hit, forced rebuild with the same digest", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await compiledFixture("python", { hooks, packages: ["python312", "curl"] });
  const rep = recordingReporter();
  const t0 = Date.now();
  const first = await buildImage({ input, home, reporter: rep, builder: runBuilderVm });
  const coldMs = Date.now() - t0;
  assert.equal(first.cached, false);
  assert.match(rep.warnings.join("\n"), /python312.*3\.12.*3\.11/);

  const img = JSON.parse(readFileSync(join(first.dir, "image.json"), "utf8"));
  assert.equal(img.digest, first.digest);
  assert.equal(img.backend, "debian");
  assert.equal(img.workload_id, "hello-py");
  assert.match(img.kernel.version, /cloud-amd64$/);
  assert.deepEqual(Object.keys(img.files).sort(), ["initramfs.img", "rootfs.ext4", "vmlinuz"]);
  assert.ok(img.packages.some((p: { name: string }) => p.name === "python3"));
  assert.deepEqual(
    img.resolution.map((r: { requested: string; substituted: boolean }) => [r.requested, r.substituted]),
    [
      ["python312", true],
      ["curl", false],
    ],
  );
  for (const f of ["vmlinuz", "initramfs.img", "rootfs.ext4", "workload.json", "launch.json", "image.json"]) {
    assert.ok(existsSync(join(first.dir, f)), f);
  }
  assert.equal(readFileSync(join(home, "images/by-workload/hello-py"), "utf8").trim(), first.digest);

  const rootfs = join(first.dir, "rootfs.ext4");
  const rt = JSON.parse(catInImage(rootfs, "/etc/mvm/runtime.json"));
  assert.equal(rt.primary, "greet");
  assert.deepEqual(rt.entrypoints.greet.params, [{ name: "name", kind: "normal", required: true }]);
  assert.equal(catInImage(rootfs, "/app/from-hook.txt"), "baked\n");
  assert.match(catInImage(rootfs, "/etc/mvm/hooks/before_start.sh"), /set -e\necho starting\n$/);
  assert.ok(!existsInImage(rootfs, "/etc/mvm/hooks/before_build.sh"));
  assert.ok(existsInImage(rootfs, "/usr/lib/mvm/runner.py"));
  assert.ok(existsInImage(rootfs, "/usr/lib/mvm/mvm-agent"));
  assert.ok(!existsInImage(rootfs, "/usr/bin/dpkg"), "no package manager left");
  assert.ok(!existsInImage(rootfs, "/var/lib/dpkg/status"));
  assert.ok(!catInImage(rootfs, "/etc/mvm/runtime.json").includes("api-key"), "secret refs never baked");

  const t1 = Date.now();
  const cached = await buildImage({ input, home, reporter: recordingReporter() });
  const cachedMs = Date.now() - t1;
  assert.equal(cached.cached, true);
  assert.equal(cached.digest, first.digest);
  assert.ok(cachedMs < 10_000, `cache hit took ${cachedMs} ms`);

  const t2 = Date.now();
  const forced = await buildImage({
    input,
    home,
    force: true,
    reporter: recordingReporter(),
    builder: runBuilderVm,
  });
  const forcedMs = Date.now() - t2;
  assert.equal(forced.cached, false);
  assert.equal(forced.digest, first.digest, "forced rebuild gives the same digest");
  assert.equal(forced.image.files["rootfs.ext4"], img.files["rootfs.ext4"]);
  process.stderr.write(
    `python image: cold ${coldMs} ms (shared cache), cached ${cachedMs} ms, forced ${forcedMs} ms, sizes ${JSON.stringify(img.sizes)}\n`,
  );
});

test("node (TypeScript): transpiled bundle and nodejs in the image", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await compiledFixture("typescript");
  const res = await buildImage({ input, home, reporter: recordingReporter() });
  const rootfs = join(res.dir, "rootfs.ext4");
  assert.match(catInImage(rootfs, "/app/app.mjs"), /from "\.\/util\.mjs"/);
  assert.ok(existsInImage(rootfs, "/app/app.ts"));
  assert.ok(existsInImage(rootfs, "/usr/bin/node"));
  assert.ok(existsInImage(rootfs, "/usr/lib/mvm/runner.mjs"));
  assert.equal(res.image.resolution[0]?.provided, "nodejs");
  assert.match(res.image.resolution[0]?.version ?? "", /^18\./);
});

test("a failing before_build hook fails the build with its output and leaves no image", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await compiledFixture("python", {
    hooks: { before_build: [{ kind: "shell", line: "echo about to fail; echo oops >&2; exit 3" }] },
  });
  await assert.rejects(
    buildImage({ input, home, reporter: recordingReporter(), builder: runBuilderVm }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_HOOK_FAILED");
      assert.match(e.message, /exit 3/);
      assert.match(e.message, /about to fail/);
      assert.match(e.message, /oops/);
      return true;
    },
  );
  const left = readdirSync(join(home, "images")).filter((n) => n !== "by-inputs" && n !== "by-workload");
  assert.deepEqual(left, []);
  assert.deepEqual(readdirSync(join(home, "images/by-inputs")), []);
});

test("--strict refuses a substitution before anything is built", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await compiledFixture("python", { packages: ["python312"] });
  const t0 = Date.now();
  await assert.rejects(buildImage({ input, home, strict: true, reporter: recordingReporter() }), {
    code: "E_PACKAGE_SUBSTITUTED_STRICT",
  });
  assert.ok(Date.now() - t0 < 10_000);
});
