// stdout-only parsing: what the build reads from a tool comes from its stdout alone, so a warning
// on stderr (a fresh Debian nix-bin prints "warning: the group 'nixbld' specified in
// 'build-users-group' does not exist" before every command) cannot break a parser. The tools are
// real processes: stand-in scripts on PATH that print data on stdout and that exact noise on
// stderr, and the real dpkg-query reading a real (tiny) dpkg database.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { installedPackages } from "../../src/image/backends/debian/rootfs.js";
import { flakeInputs } from "../../src/image/backends/nix/backend.js";
import { run, runOk } from "../../src/image/host-tools.js";
import { tempDir } from "../helpers/cli.js";

const NIXBLD_WARNING = "warning: the group 'nixbld' specified in 'build-users-group' does not exist";

/** A directory holding an executable `name` with the given shell body. */
async function standIn(name: string, body: string): Promise<string> {
  const bin = await tempDir("mvm-standin-");
  await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
  await chmod(join(bin, name), 0o755);
  return bin;
}

async function withPath<T>(bin: string, f: () => Promise<T>): Promise<T> {
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    return await f();
  } finally {
    process.env.PATH = path;
  }
}

test("run() keeps stdout apart from stderr, and both interleaved in output", async () => {
  const r = await run("sh", ["-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 3"]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, "out1\nout2\n");
  assert.equal(r.stderr, "err1\nerr2\n");
  assert.equal(r.stdoutTruncated, false);
  for (const l of ["out1", "out2", "err1", "err2"]) assert.match(r.output, new RegExp(l));
});

test("runOk() resolves with stdout only; its failure carries stderr, which explains it", async () => {
  const out = await runOk("sh", ["-c", `echo '{"a":1}'; echo "${NIXBLD_WARNING}" >&2`]);
  assert.deepEqual(JSON.parse(out), { a: 1 });
  await assert.rejects(runOk("sh", ["-c", "echo partial; echo 'fatal: no such thing' >&2; exit 2"]), {
    code: "E_BUILD_TOOL_FAILED",
    message: /exit 2[\s\S]*fatal: no such thing/,
  });
});

test("stdout-only parsing: flakeInputs reads nix eval's JSON past the nixbld warning on stderr", async () => {
  // Warning before and after the JSON, as nix prints it once per store open.
  const bin = await standIn(
    "nix",
    `echo "${NIXBLD_WARNING}" >&2
printf '%s' '{"mvm":"github:example/mvm","nixpkgs":"github:NixOS/nixpkgs/abc"}'
echo "${NIXBLD_WARNING}" >&2`,
  );
  const inputs = await withPath(bin, () => flakeInputs("/nonexistent"));
  assert.deepEqual(inputs, { mvm: "github:example/mvm", nixpkgs: "github:NixOS/nixpkgs/abc" });
});

test("stdout-only parsing: installedPackages reads dpkg-query's list past warnings on stderr", async () => {
  const bin = await standIn(
    "dpkg-query",
    `echo "dpkg-query: warning: parsing file '/var/lib/dpkg/status' near line 1: noise" >&2
printf 'zlib1g\\t1:1.2.13\\nbash\\t5.2.15-2\\n'`,
  );
  const pkgs = await withPath(bin, () => installedPackages("/nonexistent"));
  assert.deepEqual(pkgs, [
    { name: "bash", version: "5.2.15-2" },
    { name: "zlib1g", version: "1:1.2.13" },
  ]);
});

const hasDpkgQuery = (() => {
  try {
    execFileSync("dpkg-query", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

test("stdout-only parsing: the real dpkg-query on a staged root's dpkg database", {
  skip: hasDpkgQuery ? false : "dpkg-query is not on PATH",
}, async () => {
  const root = await tempDir("mvm-dpkgroot-");
  await mkdir(join(root, "var/lib/dpkg/info"), { recursive: true });
  await writeFile(join(root, "var/lib/dpkg/available"), "");
  await writeFile(
    join(root, "var/lib/dpkg/status"),
    [
      "Package: hello",
      "Status: install ok installed",
      "Architecture: amd64",
      "Version: 2.10-3",
      "Description: x",
      "",
      "Package: base-files",
      "Status: install ok installed",
      "Architecture: amd64",
      "Version: 12.4+deb12u5",
      "Description: y",
      "",
    ].join("\n"),
  );
  assert.deepEqual(await installedPackages(root), [
    { name: "base-files", version: "12.4+deb12u5" },
    { name: "hello", version: "2.10-3" },
  ]);
});
