// Canonical JSON and ir_hash (spec §2), checked against bytes written out by hand from the spec.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { canonicalBytes, canonicalJson, compareCodePoints, sha256Hex } from "../src/canonical.js";
import { validateWorkload } from "../src/validate.js";
import { irHash, withoutSecrets, workloadCanonicalJson } from "../src/workload.js";

describe("key order", () => {
  test("keys sort by code point, not by UTF-16 code unit", () => {
    // U+FB01 is one unit 0xFB01; U+1F600 is the pair 0xD83D 0xDE00. By units the emoji sorts first.
    const v = { "\u{1F600}": 1, "\uFB01": 2 };
    assert.equal(canonicalJson(v), '{"\uFB01":2,"\u{1F600}":1}');
    assert.deepEqual(
      ["\u{1F600}", "\uFB01"].sort(),
      ["\u{1F600}", "\uFB01"],
      "JS's default sort is by units",
    );
  });

  test("a full ordering across ASCII, Latin-1, BMP and astral keys", () => {
    const keys = [
      "\u{10FFFF}",
      "~",
      "\uFFFF",
      "B",
      "",
      "\u{1D11E}",
      "a",
      "\u00E9",
      "\uE000",
      "aa",
      "\u007F",
      "A",
    ];
    const v = Object.fromEntries(keys.map((k, i) => [k, i]));
    const order = [
      "",
      "A",
      "B",
      "a",
      "aa",
      "~",
      "\u007F",
      "\u00E9",
      "\uE000",
      "\uFFFF",
      "\u{1D11E}",
      "\u{10FFFF}",
    ];
    assert.equal(
      canonicalJson(v),
      `{${order.map((k) => `${JSON.stringify(k)}:${keys.indexOf(k)}`).join(",")}}`,
    );
  });

  test("nested objects are sorted at every level; arrays keep their order", () => {
    const v = { b: [{ z: 1, y: 2 }, 3, "x"], a: { d: { f: 0, e: 0 }, c: [] } };
    assert.equal(canonicalJson(v), '{"a":{"c":[],"d":{"e":0,"f":0}},"b":[{"y":2,"z":1},3,"x"]}');
  });

  test("compareCodePoints is a total order consistent with code points", () => {
    assert.ok(compareCodePoints("\uFB01", "\u{1F600}") < 0);
    assert.ok(compareCodePoints("a", "ab") < 0);
    assert.equal(compareCodePoints("\u{1F600}", "\u{1F600}"), 0);
    assert.ok(compareCodePoints("\uFFFF", "\u{10000}") < 0);
  });
});

describe("escaping", () => {
  test("the five short escapes, quote and backslash", () => {
    assert.equal(canonicalJson('\b\f\n\r\t"\\'), '"\\b\\f\\n\\r\\t\\"\\\\"');
  });

  test("other control characters are \\u00xx in lowercase hex", () => {
    const ctl = [0x00, 0x01, 0x07, 0x0b, 0x0e, 0x1b, 0x1f].map((c) => String.fromCharCode(c)).join("");
    assert.equal(canonicalJson(ctl), '"\\u0000\\u0001\\u0007\\u000b\\u000e\\u001b\\u001f"');
  });

  test("everything else is raw UTF-8: DEL, slash, U+2028/9, non-ASCII, non-BMP", () => {
    const s = "\u007F/\u2028\u2029\u00E9\u4E2D\u{1F600}";
    assert.equal(canonicalJson(s), `"${s}"`);
    assert.deepEqual(
      [...canonicalBytes(s)],
      [
        0x22, 0x7f, 0x2f, 0xe2, 0x80, 0xa8, 0xe2, 0x80, 0xa9, 0xc3, 0xa9, 0xe4, 0xb8, 0xad, 0xf0, 0x9f, 0x98,
        0x80, 0x22,
      ],
    );
  });

  test("keys are escaped like values", () => {
    assert.equal(canonicalJson({ "a\nb": "\u0001" }), '{"a\\nb":"\\u0001"}');
  });
});

describe("numbers and other values", () => {
  test("integers in decimal, no exponent, no fraction", () => {
    assert.equal(
      canonicalJson([0, 1, 65535, 4294967295, 1e21 / 1e6]),
      "[0,1,65535,4294967295,1000000000000000]",
    );
  });

  test("non-integers and unsafe integers are refused", () => {
    assert.throws(() => canonicalJson(0.5), TypeError);
    assert.throws(() => canonicalJson({ a: [1.25] }), TypeError);
    assert.throws(() => canonicalJson(2 ** 53), TypeError);
    assert.throws(() => canonicalJson(Number.NaN), TypeError);
    assert.throws(() => canonicalJson(Number.POSITIVE_INFINITY), TypeError);
  });

  test("null, booleans, empty containers, no whitespace", () => {
    assert.equal(
      canonicalJson({ t: true, f: false, n: null, o: {}, a: [] }),
      '{"a":[],"f":false,"n":null,"o":{},"t":true}',
    );
  });

  test("undefined members are dropped; functions and bigints are refused", () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
    assert.throws(() => canonicalJson(1n), TypeError);
  });
});

describe("ir_hash", () => {
  const minimal = {
    schema_version: "0.1",
    id: "hello",
    apps: [
      {
        name: "hello",
        source: { kind: "local_path", path: "." },
        image: { kind: "nix_packages", packages: ["python312"] },
        entrypoints: [{ kind: "command", command: ["python3", "/app/main.py"] }],
      },
    ],
  };
  // Written out by hand from spec §1 (defaults filled, null/omit rules) and §2 (sorted, compact).
  const expected =
    '{"apps":[{"dependencies":null,"entrypoints":[{"command":["python3","/app/main.py"],"env":{},"kind":"command","working_dir":"/app"}],' +
    '"env":{},"image":{"kind":"nix_packages","packages":["python312"]},"mounts":[],"name":"hello","network":null,' +
    '"resources":{"cpu_cores":1,"memory_mb":256,"rootfs_size_mb":512},"source":{"exclude":[],"include":["**"],"kind":"local_path","path":"."}}],' +
    '"extensions":{},"id":"hello","schema_version":"0.1","volumes":[]}';

  test("defaults are filled, then serialized with the omit rules", () => {
    const r = validateWorkload(minimal);
    assert.ok(r.workload);
    const text = workloadCanonicalJson(r.workload);
    assert.equal(text, expected);
    for (const omitted of ["threat_tier", "addons", "hooks", "files", "primary"]) {
      assert.ok(!text.includes(`"${omitted}"`), `${omitted} is omitted`);
    }
  });

  test("ir_hash is lowercase hex sha256 of the canonical UTF-8 bytes", () => {
    const r = validateWorkload(minimal);
    const want = createHash("sha256").update(Buffer.from(expected, "utf8")).digest("hex");
    assert.equal(irHash(r.workload!), want);
    assert.match(want, /^[0-9a-f]{64}$/);
    assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("function entrypoints: working_dir, env, primary always; optional ones omitted when absent", () => {
    const w = structuredClone(minimal) as { apps: Record<string, unknown>[] };
    w.apps[0]!.entrypoints = [
      { kind: "function", language: "node", module: "m", function: "f", extra_imports: [] },
    ];
    const text = workloadCanonicalJson(validateWorkload(w).workload!);
    assert.ok(
      text.includes(
        '"entrypoints":[{"env":{},"format":"json","function":"f","kind":"function","language":"node","module":"m","primary":false,"working_dir":"/app"}]',
      ),
      text,
    );
  });

  test("idempotence: canonical -> parse -> validate -> canonical is byte-identical", () => {
    const full = structuredClone(minimal) as { apps: Record<string, unknown>[]; extensions?: unknown };
    full.apps[0]!.network = {
      mode: "bridge",
      ports: [{ mapping_id: "h", host: 8080, guest: 80 }],
      peers: ["db"],
      dns: { kind: "resolver", host: "1.1.1.1" },
    };
    full.apps[0]!.env = {
      Z: { kind: "literal", value: "\u0000\u00C9\u{1F600}" },
      A: { kind: "literal", value: "" },
    };
    full.extensions = { "\u{1F600}": { "\uFB01": [1, "\n"] } };
    const once = workloadCanonicalJson(validateWorkload(full).workload!);
    const twice = workloadCanonicalJson(validateWorkload(JSON.parse(once)).workload!);
    assert.equal(twice, once);
    assert.equal(
      canonicalJson(JSON.parse(once)),
      once,
      "canonical text re-encodes to itself as plain JSON too",
    );
  });

  test("input key order and explicit defaults do not change the hash", () => {
    const reordered = JSON.parse(
      JSON.stringify(
        minimal,
        Object.keys(minimal)
          .reverse()
          .concat(["name", "source", "image", "entrypoints", "kind", "path", "packages", "command"]),
      ),
    );
    const a = irHash(validateWorkload(minimal).workload!);
    const b = irHash(validateWorkload(reordered).workload!);
    assert.equal(a, b);
  });

  test("launch.json's ir_hash input drops secret_ref env entries only", () => {
    const w = structuredClone(minimal) as { apps: Record<string, unknown>[] };
    w.apps[0]!.env = {
      LIT: { kind: "literal", value: "x" },
      KEY: {
        kind: "secret_ref",
        ref: { name: "k", mount: { kind: "env", var: "KEY" }, allowed_hosts: ["a.com"] },
      },
    };
    const v = validateWorkload(w).workload!;
    const text = workloadCanonicalJson(withoutSecrets(v));
    assert.ok(text.includes('"env":{"LIT":{"kind":"literal","value":"x"}}'), text);
    assert.notEqual(irHash(withoutSecrets(v)), irHash(v));
  });
});
