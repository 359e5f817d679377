// contracts/image-manifest.ts: image.json round-trips; a v1 image (built before the secret refs
// moved into image.json) is refused by the runtime with a rebuild hint and is a cache miss for the
// build; a malformed image.json is E_IMAGE_CORRUPT.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import {
  byInputsRef,
  byWorkloadRef,
  IMAGE_FORMAT_VERSION,
  imageDir,
  readImageManifest,
  writeImageManifest,
  writeRef,
} from "../../src/contracts/image-manifest.js";
import { lookupByInputs } from "../../src/image/store.js";
import { resolveImage } from "../../src/runtime/image-ref.js";
import { tempDir } from "../helpers/cli.js";
import { manifestFor } from "../helpers/image-manifest.js";

const D = "a".repeat(64);
const SECRETS = {
  API_KEY: {
    name: "api-key",
    mount: { kind: "env" as const, var: "API_KEY" },
    auth_type: "bearer",
    allowed_hosts: [],
  },
};

/** A store holding image D (boot files present) whose image.json is `manifest`, referenced by inputs and workload. */
async function store(manifest: unknown): Promise<string> {
  const home = await tempDir("mvm-contracts-img-");
  const dir = imageDir(home, D);
  await mkdir(dir, { recursive: true });
  for (const f of ["vmlinuz", "initramfs.img", "rootfs.ext4"]) await writeFile(join(dir, f), "x");
  await writeFile(join(dir, "image.json"), JSON.stringify(manifest));
  await mkdir(join(home, "images/by-inputs"), { recursive: true });
  await mkdir(join(home, "images/by-workload"), { recursive: true });
  await writeRef(byInputsRef(home, "e".repeat(64)), D);
  await writeRef(byWorkloadRef(home, "w"), D);
  return home;
}

test("round trip: what writeImageManifest writes, readImageManifest returns; secret refs included", async () => {
  const dir = await tempDir("mvm-contracts-img-");
  const m = manifestFor(D, {
    secrets: SECRETS,
    network: { mode: "bridge", ports: [], egress: { allowlist: [{ host: "api.example.com", port: 443 }] } },
    entrypoints: {
      greet: {
        kind: "function",
        language: "python",
        module: "app",
        function: "greet",
        working_dir: "/app",
        env: {},
        params: [{ name: "name", kind: "normal", required: true }],
      },
    },
  });
  await writeImageManifest(dir, m);
  assert.equal(IMAGE_FORMAT_VERSION, 2);
  assert.deepEqual(await readImageManifest(dir), m);
  assert.deepEqual(JSON.parse(await readFile(join(dir, "image.json"), "utf8")), m);
  // up takes its secret refs from image.json (not from the copied launch.json).
  const home = await store(m);
  assert.deepEqual((await resolveImage(home, "w")).manifest.secrets, SECRETS);
});

test("writeImageManifest refuses a manifest that breaks the contract (a bug in mvm, not the user's)", async () => {
  const dir = await tempDir("mvm-contracts-img-");
  const bad = { ...manifestFor(D), digest: "not-a-digest" };
  await assert.rejects(
    writeImageManifest(dir, bad),
    /image\.json being written breaks its contract: \.digest/,
  );
});

test("a v1 image: the runtime refuses it with a rebuild hint; the build's cache lookup is a miss", async () => {
  const { secrets: _gone, ...v2 } = manifestFor(D);
  const home = await store({ ...v2, image_format_version: 1 });
  for (const ref of ["w", D, imageDir(home, D)]) {
    await assert.rejects(
      resolveImage(home, ref),
      (e: unknown) =>
        isMvmError(e) &&
        e.code === "E_FORMAT_VERSION" &&
        /format 1; this mvmctl reads format 2/.test(e.message) &&
        /older mvmctl/.test(e.hint ?? "") &&
        (e.hint ?? "").includes("mvmctl build --force <compiled dir>"),
      ref,
    );
  }
  assert.equal(await lookupByInputs(home, "e".repeat(64)), undefined);
  // The same store with a current manifest is a hit.
  const current = await store(manifestFor(D));
  assert.equal((await lookupByInputs(current, "e".repeat(64)))?.digest, D);
});

test("a newer image.json format is E_FORMAT_VERSION too, without claiming the image is old", async () => {
  const home = await store({ ...manifestFor(D), image_format_version: 3 });
  await assert.rejects(
    resolveImage(home, "w"),
    (e: unknown) =>
      isMvmError(e) && e.code === "E_FORMAT_VERSION" && /use the mvmctl that built it/.test(e.hint ?? ""),
  );
});

test("a malformed image.json is E_IMAGE_CORRUPT naming the problem, with a rebuild hint", async () => {
  const { primary: _p, ...noPrimary } = manifestFor(D);
  for (const [what, content] of [
    ["off-schema", JSON.stringify({ ...noPrimary, secrets: { X: { name: "" } } })],
    ["not JSON", "{"],
    ["unversioned", JSON.stringify({ digest: D })],
  ] as const) {
    const home = await store({});
    await writeFile(join(imageDir(home, D), "image.json"), content);
    await assert.rejects(
      resolveImage(home, "w"),
      (e: unknown) =>
        isMvmError(e) &&
        e.code === "E_IMAGE_CORRUPT" &&
        {
          "off-schema": /\.primary|\.secrets\.X/,
          "not JSON": /is not valid JSON/,
          unversioned: /no image_format_version/,
        }[what].test(e.message) &&
        /mvmctl build --force/.test(e.hint ?? ""),
      what,
    );
    assert.equal(await lookupByInputs(home, "e".repeat(64)), undefined, what);
  }
});
