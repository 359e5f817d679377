// contracts/compiled-dir.ts: what a real compile writes is what the image stage accepts, and a
// launch.json of another format or shape is refused with a clear error.
import assert from "node:assert/strict";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import {
  ARTIFACT_FORMAT_VERSION,
  LaunchJson,
  readCompiledDir,
  readsArtifactVersion,
} from "../../src/contracts/compiled-dir.js";
import { tempDir } from "../helpers/cli.js";
import { helloAppCompiled, readJsonFile } from "./fixtures.js";

/** A copy of the hello-app compile output whose launch.json is `edit`ed. */
async function withLaunch(edit: (l: Record<string, unknown>) => unknown): Promise<string> {
  const dir = join(await tempDir("mvm-contracts-cd-"), "c");
  await cp(await helloAppCompiled(), dir, { recursive: true });
  const launch = await readJsonFile(join(dir, "launch.json"));
  await writeFile(join(dir, "launch.json"), JSON.stringify(edit(launch) ?? launch));
  return dir;
}

test("the launch.json of a real `mvmctl compile` (examples/python/hello-app) validates", async () => {
  const dir = await helloAppCompiled();
  const raw = await readJsonFile(join(dir, "launch.json"));
  const r = LaunchJson.safeParse(raw);
  assert.ok(r.success, r.success ? "" : JSON.stringify(r.error.issues, null, 2));
  assert.equal(raw.artifact_format_version, ARTIFACT_FORMAT_VERSION);
  // The secret reference is there, names and bindings only.
  assert.deepEqual(Object.keys(raw.secrets as object), ["API_KEY"]);
  assert.ok(!JSON.stringify(raw.env).includes("api-key"));
});

test("round trip: readCompiledDir returns exactly what compile wrote", async () => {
  const dir = await helloAppCompiled();
  assert.deepEqual(await readCompiledDir(dir), JSON.parse(await readFile(join(dir, "launch.json"), "utf8")));
});

test("format versions: same major and a minor up to ours are read; others are E_FORMAT_VERSION", async () => {
  assert.equal(ARTIFACT_FORMAT_VERSION, "1.2");
  for (const ok of ["1.0", "1.1", "1.2"]) assert.ok(readsArtifactVersion(ok), ok);
  for (const bad of ["1.3", "2.0", "0.9", "1", "1.1.0", 1.1, undefined]) {
    assert.equal(readsArtifactVersion(bad), false, String(bad));
  }
  for (const v of ["1.3", "2.0", undefined]) {
    const dir = await withLaunch((l) => {
      l.artifact_format_version = v;
    });
    await assert.rejects(
      readCompiledDir(dir, "in"),
      (e: unknown) =>
        isMvmError(e) &&
        e.code === "E_FORMAT_VERSION" &&
        e.message.includes("in/launch.json") &&
        /mvmctl compile/.test(e.hint ?? ""),
      String(v),
    );
  }
});

test("a malformed launch.json is E_BUILD_INPUT naming the file and the offending key", async () => {
  const notJson = await withLaunch(() => undefined);
  await writeFile(join(notJson, "launch.json"), "{not json");
  await assert.rejects(
    readCompiledDir(notJson, "in"),
    (e: unknown) =>
      isMvmError(e) && e.code === "E_BUILD_INPUT" && /in\/launch\.json is not valid JSON/.test(e.message),
  );
  const offSchema = await withLaunch((l) => {
    (l.resources as Record<string, unknown>).memory_mb = "lots";
    delete l.entrypoints;
  });
  await assert.rejects(
    readCompiledDir(offSchema, "in"),
    (e: unknown) =>
      isMvmError(e) &&
      e.code === "E_BUILD_INPUT" &&
      e.message.includes(".resources.memory_mb") &&
      e.message.includes(".entrypoints"),
  );
  const noSrc = await withLaunch(() => undefined);
  await rm(join(noSrc, "src"), { recursive: true });
  await assert.rejects(
    readCompiledDir(noSrc, "in"),
    (e: unknown) => isMvmError(e) && e.code === "E_BUILD_INPUT" && /has no src/.test(e.message),
  );
});
