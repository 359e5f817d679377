// Bridge images carry the egress proxy env (ADR 0008); images of mode none carry none of it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LaunchJson } from "../../src/contracts/compiled-dir.js";
import { runtimeJson } from "../../src/image/guest/runtime-json.js";
import { GUEST_NET } from "../../src/runtime/vmm/qemu-args.js";

const fn = { kind: "function", module: "app", function: "f", language: "python", primary: true, env: {} };

function launch(network: unknown, env: Record<string, string> = {}): LaunchJson {
  return { workload_id: "w", entrypoint: fn, entrypoints: [fn], env, network } as unknown as LaunchJson;
}

test("bridge: every proxy variable points at the guestfwd address, and wins over the workload's", () => {
  const rt = runtimeJson(launch({ mode: "bridge" }, { HTTP_PROXY: "http://elsewhere:1", KEEP: "1" }));
  const url = `http://${GUEST_NET.proxy}:${GUEST_NET.proxyPort}`;
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) assert.equal(rt.env[k], url, k);
  assert.equal(rt.env.NO_PROXY, "localhost,127.0.0.1,::1");
  assert.equal(rt.env.no_proxy, rt.env.NO_PROXY);
  assert.equal(rt.env.KEEP, "1");
});

test("mode none and no network block: no proxy env at all", () => {
  for (const n of [{ mode: "none" }, null, undefined]) {
    assert.deepEqual(runtimeJson(launch(n, { A: "b" })).env, { A: "b" });
  }
});
