// Issue 11: egress grants to the host's own, private or metadata addresses are refused by the real
// `mvmctl compile` of a Python declaration: E_EGRESS_FORBIDDEN_HOST at the grant's line:col and
// IR path, exit non-zero, and no output directory. Nothing is resolved or dialled.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../helpers/cli.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mvm-egress-forbidden-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const declaration = (host: string) =>
  [
    "import mvm",
    "",
    "@mvm.app(",
    "    image=mvm.python_image(),",
    `    network=mvm.network(mode="bridge", egress=mvm.egress([mvm.host_port(${JSON.stringify(host)}, 8080)])),`,
    ")",
    "def f() -> str:",
    '    return "x"',
    "",
  ].join("\n");

const FORBIDDEN: [string, RegExp][] = [
  ["0", /"0" \(0\.0\.0\.0\) is the unspecified address/],
  ["::0", /"::0" \(::\) is the unspecified address/],
  ["localhost", /"localhost" is localhost/],
  ["127.0.0.1", /is loopback/],
  ["0x7f.1", /"0x7f\.1" \(127\.0\.0\.1\) is loopback/],
  ["2130706433", /\(127\.0\.0\.1\) is loopback/],
  ["0177.0.0.1", /\(127\.0\.0\.1\) is loopback/],
  ["[::1]", /\(::1\) is loopback/],
  ["169.254.169.254", /cloud metadata address/],
  ["metadata.google.internal", /cloud metadata name/],
  ["10.1.2.3", /private \(RFC 1918\)/],
  ["[::ffff:10.1.2.3]", /private \(RFC 1918\) \(IPv4-mapped 10\.1\.2\.3\)/],
];

for (const [host, detail] of FORBIDDEN) {
  test(`compile refuses egress to ${JSON.stringify(host)}`, async () => {
    const sub = await mkdtemp(join(dir, "c-"));
    await writeFile(join(sub, "app.py"), declaration(host));
    const r = await runCli(["compile", "app.py", "--out", "out"], { cwd: sub });
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /error\[E_EGRESS_FORBIDDEN_HOST\]: app\.py:5:\d+: egress host /);
    assert.match(r.stderr, detail);
    assert.match(r.stderr, /\.apps\[0\]\.network\.egress\.allowlist\[0\]\.host/);
    assert.equal(existsSync(join(sub, "out")), false, "a failed compile writes nothing");
  });
}

test("a public grant still compiles", async () => {
  const sub = await mkdtemp(join(dir, "ok-"));
  await writeFile(join(sub, "app.py"), declaration("API.Example.com."));
  const r = await runCli(["compile", "app.py", "--out", "out"], { cwd: sub });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(sub, "out/workload.json")));
});

test("compile refuses a forbidden build-time egress host at network.build_egress", async () => {
  const sub = await mkdtemp(join(dir, "b-"));
  await writeFile(
    join(sub, "app.py"),
    declaration("api.example.com").replace(
      'network=mvm.network(mode="bridge", egress=mvm.egress([mvm.host_port("api.example.com", 8080)])),',
      'network=mvm.network(build_egress=[mvm.host_port("files.example.com", 443), mvm.host_port("169.254.169.254", 80)]),',
    ),
  );
  const r = await runCli(["compile", "app.py", "--out", "out"], { cwd: sub });
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /error\[E_EGRESS_FORBIDDEN_HOST\]: app\.py:5:\d+: build egress host "169\.254\.169\.254"/,
  );
  assert.match(r.stderr, /cloud metadata address/);
  assert.match(r.stderr, /\.apps\[0\]\.network\.build_egress\.allowlist\[1\]\.host/);
  assert.equal(existsSync(join(sub, "out")), false, "a failed compile writes nothing");
});
