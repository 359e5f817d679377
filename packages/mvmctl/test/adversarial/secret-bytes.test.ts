// Adversarial corpus: binary secret values through the real `mvmctl secret put`. Every byte value
// must be stored exactly (never decoded as UTF-8, which turns bytes into U+FFFD), and never echoed.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { trimEchoNewline } from "../../src/commands/secret.js";
import { readSecret } from "../../src/secrets/store.js";
import { MVMCTL, runCli, tempDir } from "../helpers/cli.js";

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** runCli's input is a string; binary stdin needs the bytes as they are. */
function putBytes(home: string, args: string[], input: Buffer) {
  return new Promise<{ code: number; stdout: Buffer; stderr: Buffer }>((resolve, reject) => {
    const child = spawn(process.execPath, [MVMCTL, "secret", "put", ...args], {
      env: { ...process.env, MVM_HOME: home, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }),
    );
    child.stdin.end(input);
  });
}

function assertNotEchoed(r: { stdout: Buffer; stderr: Buffer }, value: Buffer, name: string): void {
  assert.equal(r.stdout.length, 0, "put prints nothing on stdout");
  assert.equal(r.stderr.toString("utf8"), `stored secret ${name}\n`, "stderr says only what was stored");
  assert.equal(r.stderr.indexOf(value.subarray(0x61, 0x7b)), -1);
}

test("all 256 byte values through stdin are stored exactly, 0600, and never echoed", async () => {
  const home = await tempDir();
  for (const [name, value] of [
    ["all-bytes", ALL_BYTES],
    ["all-bytes-reversed", Buffer.from(ALL_BYTES).reverse()],
    ["ends-in-newline", Buffer.concat([ALL_BYTES, Buffer.from("\n")])],
  ] as const) {
    const r = await putBytes(home, [name], value);
    assert.equal(r.code, 0, r.stderr.toString());
    const file = path.join(home, "secrets", name);
    assert.ok((await readFile(file)).equals(value), `${name}: the stored bytes are the input bytes`);
    assert.ok((await readSecret(home, name)).equals(value));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assertNotEchoed(r, value, name);
  }
});

test("--from-file stores a binary file byte for byte; a FIFO, a device or a huge file is refused", async () => {
  const home = await tempDir();
  const dir = await tempDir();
  const f = path.join(dir, "key.bin");
  const value = Buffer.concat([ALL_BYTES, Buffer.from("\r\n")]);
  await writeFile(f, value);
  const r = await runCli(["secret", "put", "key", "--from-file", f], { env: { MVM_HOME: home } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await readFile(path.join(home, "secrets", "key"))).equals(value), "no newline trimming");
  assert.equal(r.stdout, "");

  const fifo = path.join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  const big = path.join(dir, "big");
  await writeFile(big, Buffer.alloc(64 * 1024 + 1));
  for (const [src, code] of [
    [fifo, "E_INPUT_NOT_FOUND"],
    ["/dev/zero", "E_INPUT_NOT_FOUND"],
    [big, "E_SECRET_TOO_LARGE"],
    [path.join(dir, "missing"), "E_INPUT_NOT_FOUND"],
  ] as const) {
    const bad = await runCli(["secret", "put", "bad", "--from-file", src], {
      env: { MVM_HOME: home },
      timeoutMs: 20_000,
    });
    assert.equal(bad.code, 1, `${src}: ${bad.stderr}`);
    assert.match(bad.stderr, new RegExp(`error\\[${code}\\]`));
  }
});

test("text from stdin drops one echo newline (unless --raw); binary never does", async () => {
  assert.equal(trimEchoNewline(Buffer.from("tok\n")).toString(), "tok");
  assert.equal(trimEchoNewline(Buffer.from("tok\r\n")).toString(), "tok");
  assert.equal(trimEchoNewline(Buffer.from("tok\n\n")).toString(), "tok\n");
  const bin = Buffer.from([0xff, 0x00, 0x0a]);
  assert.ok(trimEchoNewline(bin).equals(bin));
  const home = await tempDir();
  const r = await putBytes(home, ["raw", "--raw"], Buffer.from("tok\n"));
  assert.equal(r.code, 0);
  assert.equal(await readFile(path.join(home, "secrets", "raw"), "utf8"), "tok\n");
});
