import assert from "node:assert/strict";
import { test } from "node:test";
import { knownAttributes, resolvePackages } from "../../src/image/backends/debian/packages.js";

test("exact versions resolve without warnings", () => {
  const r = resolvePackages(["python311", "nodejs_18", "curl", "git", "cacert"]);
  assert.deepEqual(r.warnings, []);
  // Nix's python311 has a `python` too: python-is-python3 is that link on Debian.
  assert.deepEqual(r.debs, ["ca-certificates", "curl", "git", "nodejs", "python-is-python3", "python3"]);
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

test("uv comes from its pinned PyPI wheel, not a Debian package", () => {
  const r = resolvePackages(["python312", "uv"]);
  assert.deepEqual(r.debs, ["python-is-python3", "python3"]);
  assert.deepEqual(
    r.wheels.map((w) => [w.attr, w.version, w.sha256]),
    [["uv", "0.13.9", "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19"]],
  );
  assert.match(r.wheels[0]?.filename ?? "", /^uv-0\.13\.9-py3-none-manylinux_2_17_x86_64\./);
  assert.equal(r.resolutions.find((x) => x.requested === "uv")?.substituted, false);
});

test("the runner's interpreter is added when not requested", () => {
  const r = resolvePackages(["curl"], { implicit: ["python3"] });
  assert.deepEqual(r.debs, ["curl", "python3"]);
  assert.equal(r.resolutions.find((x) => x.provided === "python3")?.requested, "python3 (runner)");
  const s = resolvePackages(["python312"], { implicit: ["python3"] });
  assert.equal(s.resolutions.length, 1);
});
