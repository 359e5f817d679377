// mvm.web_fetch / web_search outside a guest and the checks made before anything is sent. The
// guest path (ports, framing, the host broker) is covered end to end by
// packages/mvmctl/test/runtime/fetch.e2e.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as mvm from "../src/index.js";

test("outside an mvm guest: E_FETCH_UNAVAILABLE, typed", async () => {
  await assert.rejects(mvm.web_fetch("https://api.example.com/"), (e: unknown) => {
    assert.ok(
      e instanceof mvm.FetchUnavailableError && e instanceof mvm.FetchError && e instanceof mvm.MvmError,
    );
    assert.equal((e as mvm.FetchError).code, "E_FETCH_UNAVAILABLE");
    return true;
  });
  await assert.rejects(mvm.webSearch("x"), mvm.FetchUnavailableError);
});

test("checks before sending: body over 1 MiB, timeout out of range, empty query", async () => {
  await assert.rejects(
    mvm.webFetch("https://api.example.com/", { method: "POST", body: new Uint8Array(1024 * 1024 + 1) }),
    (e: unknown) => e instanceof mvm.FetchTooLargeError && e.code === "E_FETCH_TOO_LARGE",
  );
  for (const timeout of [0, -1, 121, Number.NaN])
    await assert.rejects(mvm.web_fetch("https://a.example/", { timeout }), mvm.FetchInvalidError);
  await assert.rejects(mvm.web_search("  "), mvm.FetchInvalidError);
});
