// `mvmctl secret` through the real CLI: values come from stdin, land in 0600 files under a 0700
// directory, and are never printed by put, ls or rm.
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";

const VALUE = "sk-test-5f1c0ffee-do-not-print";

test("put stores the value 0600 under a 0700 dir; put, ls and rm never print it", async () => {
  const home = await tempDir();
  const env = { MVM_HOME: home };
  const put = await runCli(["secret", "put", "api-key"], { env, input: `${VALUE}\n` });
  assert.equal(put.code, 0, put.stderr);
  assert.match(put.stderr, /stored secret api-key/);
  const file = path.join(home, "secrets", "api-key");
  assert.equal(await readFile(file, "utf8"), VALUE, "one trailing newline from stdin is dropped");
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(path.join(home, "secrets"))).mode & 0o777, 0o700);

  const ls = await runCli(["secret", "ls", "--json"], { env });
  assert.equal(ls.code, 0, ls.stderr);
  const listed = JSON.parse(ls.stdout).secrets as { name: string; bytes: number }[];
  assert.deepEqual(
    listed.map((s) => [s.name, s.bytes]),
    [["api-key", VALUE.length]],
  );

  const rm = await runCli(["secret", "rm", "api-key"], { env });
  assert.equal(rm.code, 0, rm.stderr);
  for (const r of [put, ls, rm]) {
    assert.ok(!r.stdout.includes(VALUE) && !r.stderr.includes(VALUE), "the value is never printed");
  }
  const again = await runCli(["secret", "rm", "api-key"], { env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /error\[E_SECRET_NOT_FOUND\]/);
});

test("put refuses an empty value, a bad name, and a value on the command line", async () => {
  const env = { MVM_HOME: await tempDir() };
  const empty = await runCli(["secret", "put", "x"], { env, input: "" });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /E_SECRET_EMPTY/);
  const bad = await runCli(["secret", "put", "Bad Name"], { env, input: "v" });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /E_SECRET_NAME_INVALID/);
  const argv = await runCli(["secret", "put", "x", VALUE], { env, input: "" });
  assert.equal(argv.code, 2, "a value in argv is a usage error");
  assert.match(argv.stderr, /too many arguments/);
  assert.ok(!argv.stderr.includes(VALUE), "the usage error does not echo the value");
});
