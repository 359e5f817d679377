// The default backend follows what Nix can do on this host, never the network: real processes on
// PATH stand in for nix-build (a working store, a broken one, none at all).
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { chooseBackend } from "../../src/image/backend-choice.js";

const saved = { PATH: process.env.PATH, MVM_BUILD_BACKEND: process.env.MVM_BUILD_BACKEND };
let dir: string | undefined;
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.MVM_BUILD_BACKEND === undefined) delete process.env.MVM_BUILD_BACKEND;
  else process.env.MVM_BUILD_BACKEND = saved.MVM_BUILD_BACKEND;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A PATH holding only a nix-build script (if any) and the shell that onPath() runs. */
function pathWithNixBuild(script: string | undefined): void {
  dir = mkdtempSync(join(tmpdir(), "mvm-nixprobe-"));
  if (script !== undefined) {
    writeFileSync(join(dir, "nix-build"), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, "nix-build"), 0o755);
  }
  symlinkSync("/bin/sh", join(dir, "sh"));
  delete process.env.MVM_BUILD_BACKEND;
  process.env.PATH = dir;
}

test("nix is chosen only when nix-build builds the probe derivation, with substituters off", async () => {
  pathWithNixBuild(
    'case "$*" in *"substitute false"*mvm-nix-probe*) echo /nix/store/abc-mvm-nix-probe;; *) exit 9;; esac',
  );
  assert.deepEqual(await chooseBackend(), { backend: "nix", reason: "nix builds in its local store here" });
});

test("a Nix that cannot build (no build users) means debian, with Nix's own reason", async () => {
  pathWithNixBuild(
    "echo \"warning: the group 'nixbld' specified in 'build-users-group' does not exist\" >&2; echo \"error: the group 'nixbld' specified in 'build-users-group' does not exist\" >&2; exit 1",
  );
  const c = await chooseBackend();
  assert.equal(c.backend, "debian");
  assert.match(c.reason ?? "", /cannot build here \(the group 'nixbld'/);
});

test("no nix-build on PATH means debian; an explicit choice wins without probing", async () => {
  pathWithNixBuild(undefined);
  assert.deepEqual(await chooseBackend(), { backend: "debian", reason: "nix is not installed" });
  assert.deepEqual(await chooseBackend("nix"), { backend: "nix" });
  process.env.MVM_BUILD_BACKEND = "debian";
  assert.deepEqual(await chooseBackend(), { backend: "debian" });
  await assert.rejects(chooseBackend("docker"), /unknown backend "docker"/);
});
