// Build-time egress (docs/build.md, "Build-time egress"): a before_build hook fetches from a
// loopback HTTP server through the builder's per-build egress proxy when the workload declares
// network.build_egress, and an undeclared host gets 403 (logged as a denial). Without the
// declaration the builder has no NIC and the same hook fails. The guest cannot name the host's
// loopback, so the grant is the reserved name mvm-egress-test.invalid and MVM_EGRESS_RESOLVE maps
// it to 127.0.0.1 for the proxy's dial only (the allowlist is checked on the declared name), as in
// runtime/egress.e2e.test.ts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildImage } from "../../src/image/build-image.js";
import { runBuilderVm } from "../../src/runtime/builder-vm.js";
import { compiledFixture, ensureAgentDir, recordingReporter, sharedCacheDir } from "./fixtures.js";

const HOST = "mvm-egress-test.invalid";
const UNDECLARED = "undeclared.invalid";
let server: Server;
let port = 0;
const seen: { method?: string; url?: string; host?: string }[] = [];

before(async () => {
  process.env.MVM_CACHE_DIR = sharedCacheDir();
  process.env.MVM_BUILD_BACKEND ??= "debian";
  process.env.MVM_EGRESS_RESOLVE = `${HOST}=127.0.0.1,${UNDECLARED}=127.0.0.1`;
  await ensureAgentDir();
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method, url: req.url, host: req.headers.host });
    res.writeHead(200, { "content-type": "text/plain" }).end(`build data for ${req.url}\n`);
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server?.close();
  delete process.env.MVM_EGRESS_RESOLVE;
});

const cat = (image: string, path: string) =>
  execFileSync("debugfs", ["-R", `cat ${path}`, image], { stdio: ["ignore", "pipe", "ignore"] }).toString();

/** Fetches the declared host (must work) and an undeclared one (its status is recorded). */
const FETCH_PY = `import sys, urllib.error, urllib.request
port = sys.argv[1]
body = urllib.request.urlopen(f"http://${HOST}:{port}/build-data", timeout=60).read()
open("/app/fetched.txt", "wb").write(body)
try:
    urllib.request.urlopen(f"http://${UNDECLARED}:{port}/secret", timeout=60)
    status = "200"
except urllib.error.HTTPError as e:
    status = str(e.code)
open("/app/undeclared.txt", "w").write(status)
print("fetched", len(body), "bytes; undeclared host:", status)
`;

async function fixture(network: unknown, env?: Record<string, string>): Promise<string> {
  const input = await compiledFixture("python", {
    hooks: { before_build: [{ kind: "shell", line: `python3 /app/fetch.py ${port}` }] },
    ...(env ? { env } : {}),
  });
  await writeFile(join(input, "src/fetch.py"), FETCH_PY);
  const launchPath = join(input, "launch.json");
  const launch = JSON.parse(await readFile(launchPath, "utf8"));
  launch.artifact_format_version = "1.2";
  launch.network = network;
  await writeFile(launchPath, JSON.stringify(launch));
  return input;
}

test("declared build egress: the hook fetches through the builder's proxy; an undeclared host gets 403", async () => {
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  const input = await fixture({
    mode: "none",
    ports: [],
    build_egress: { allowlist: [{ host: HOST, port }] },
  });
  const rep = recordingReporter();
  const built = await buildImage({ input, home, reporter: rep, builder: runBuilderVm });
  const rootfs = join(built.dir, "rootfs.ext4");
  assert.equal(cat(rootfs, "/app/fetched.txt"), "build data for /build-data\n");
  assert.equal(cat(rootfs, "/app/undeclared.txt"), "403");
  // The server saw the declared request only, in origin form, with the declared Host.
  assert.deepEqual(seen, [{ method: "GET", url: "/build-data", host: `${HOST}:${port}` }]);
  const all = [...rep.lines, ...rep.warnings].join("\n");
  assert.match(all, new RegExp(`builder VM: booting .*egress only via the build proxy to ${HOST}:${port}`));
  assert.match(all, new RegExp(`builder egress: allow GET ${HOST}:${port} \\(127\\.0\\.0\\.1\\)`));
  assert.match(all, new RegExp(`builder egress: deny GET ${UNDECLARED}:${port} \\(not declared\\)`));
  assert.match(all, /builder egress proxy stopped: 1 allowed, 1 denied or failed/);
  // The proxy env was the steps' only; the image's own runtime env (mode none) carries none.
  assert.doesNotMatch(cat(rootfs, "/etc/mvm/runtime.json"), /HTTP_PROXY/);
});

test("without build_egress the builder has no NIC: the same hook fails", async () => {
  seen.length = 0;
  const home = await mkdtemp(join(tmpdir(), "mvm-home-"));
  // Even with the proxy env set by hand there is no route: no eth0 in the builder.
  const input = await fixture(null, {
    HTTP_PROXY: "http://10.0.2.100:3128",
    http_proxy: "http://10.0.2.100:3128",
  });
  const rep = recordingReporter();
  await assert.rejects(buildImage({ input, home, reporter: rep, builder: runBuilderVm }), (e: unknown) => {
    const err = e as { code?: string; message?: string };
    assert.equal(err.code, "E_HOOK_FAILED");
    assert.match(err.message ?? "", /Network is unreachable|URLError/);
    return true;
  });
  assert.deepEqual(seen, [], "nothing reached the server");
  assert.ok(rep.lines.some((l) => /builder VM: booting .*no network/.test(l)));
});
