import assert from "node:assert/strict";
import { test } from "node:test";
import { knownAttributes, resolvePackages } from "../../src/build/debian-packages.js";

test("exact versions resolve without warnings", () => {
  const r = resolvePackages(["python311", "nodejs_18", "curl", "git", "cacert"]);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.debs, ["ca-certificates", "curl", "git", "nodejs", "python3"]);
  assert.ok(r.resolutions.every((x) => !x.substituted));
});

test("a version bookworm lacks is substituted with a warning naming both", () => {
  const r = resolvePackages(["python312", "nodejs_22"]);
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0] ?? "", /python312.*3\.12.*3\.11/);
  assert.match(r.warnings[1] ?? "", /nodejs_22.*22.*18/);
  assert.ok(r.resolutions.every((x) => x.substituted));
});

test("--strict refuses a substitution", () => {
  assert.throws(() => resolvePackages(["python312"], { strict: true }), {
    code: "E_PACKAGE_SUBSTITUTED_STRICT",
  });
  assert.doesNotThrow(() => resolvePackages(["python311"], { strict: true }));
});

test("an unknown attribute lists the known ones", () => {
  assert.throws(
    () => resolvePackages(["leftpad"]),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "E_PACKAGE_UNKNOWN");
      assert.match(e.message, /leftpad/);
      for (const k of ["bash", "coreutils", "curl", "git", "nodejs"]) assert.ok(e.message.includes(k), k);
      return true;
    },
  );
  assert.ok(knownAttributes().includes("jq"));
});

test("uv is refused with the reason", () => {
  assert.throws(() => resolvePackages(["uv"]), /not packaged in Debian bookworm/);
});

test("the runner's interpreter is added when not requested", () => {
  const r = resolvePackages(["curl"], { implicit: ["python3"] });
  assert.deepEqual(r.debs, ["curl", "python3"]);
  assert.equal(r.resolutions.find((x) => x.provided === "python3")?.requested, "python3 (runner)");
  const s = resolvePackages(["python312"], { implicit: ["python3"] });
  assert.equal(s.resolutions.length, 1);
});
