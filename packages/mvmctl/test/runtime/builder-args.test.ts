// The builder VM's QEMU argv (runtime/vmm/builder-args.ts) and its step scripts' env
// (image/builder/steps.ts): no NIC unless build-time egress is declared; then the restricted NIC
// of a bridge instance (restrict=on, one guestfwd to the proxy) and the bridge proxy env in the
// steps that run build-time code, not in the export step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { builderScripts, withProxyEnv } from "../../src/image/builder/steps.js";
import { proxyEnv } from "../../src/image/guest/runtime-json.js";
import { builderQemuArgs } from "../../src/runtime/vmm/builder-args.js";

const base = {
  kernel: "/k",
  initrd: "/i",
  cpus: 1,
  memoryMiB: 512,
  accel: "tcg" as const,
  disk: "/d",
  outDisk: "/o",
  consoleLog: "/c",
  agentSocket: "/a",
};

test("no build egress: -nic none and no netdev", () => {
  const argv = builderQemuArgs(base).join(" ");
  assert.match(argv, /-nic none/);
  assert.doesNotMatch(argv, /-netdev/);
});

test("declared build egress: restrict=on slirp with one guestfwd running the connector", () => {
  const argv = builderQemuArgs({
    ...base,
    egressConnect: ["/agent/build/mvm-egress-connect", "/run/x/egress.sock"],
  });
  const i = argv.indexOf("-netdev");
  assert.ok(i >= 0);
  assert.match(argv[i + 1]!, /^user,id=net0,restrict=on,ipv6=off,/);
  assert.match(
    argv[i + 1]!,
    /guestfwd=tcp:10\.0\.2\.100:3128-cmd:'\/agent\/build\/mvm-egress-connect' '\/run\/x\/egress\.sock'/,
  );
  assert.ok(!argv.includes("-nic"));
  assert.match(argv.join(" "), /mvm\.builder=1/);
});

test("the proxy env goes into the npm and hook steps, not the export step", () => {
  const steps = withProxyEnv(
    builderScripts({
      npm: [
        { dir: "/app/node_modules/x", name: "x", version: "1.0.0", event: "install", script: "node i.js" },
      ],
      hooks: [{ kind: "shell", line: "true" }],
    }),
    proxyEnv({ mode: "bridge" }),
  );
  assert.deepEqual(
    steps.map((s) => [s.kind, /^export HTTPS_PROXY='?http:\/\/10\.0\.2\.100:3128'?$/m.test(s.script)]),
    [
      ["npm", true],
      ["hook", true],
      ["export", false],
    ],
  );
});
