// The egress host policy (issue 11): hostile spellings of host-local, private and metadata
// destinations are canonicalised and refused; public names and addresses pass. Pure functions:
// nothing here resolves or dials anything.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  canonicalHost,
  checkHost,
  parseIPv4,
  parseIPv6,
  resolvedAddressRefusal,
} from "../src/egress-policy.js";
import { validateWorkload } from "../src/validate.js";

describe("canonical form", () => {
  const cases: [string, string, string][] = [
    // raw, canonical, kind
    ["API.Example.COM.", "api.example.com", "name"],
    ["Bücher.de", "xn--bcher-kva.de", "name"],
    ["xn--bcher-kva.de", "xn--bcher-kva.de", "name"],
    ["0", "0.0.0.0", "ipv4"],
    ["0x", "0.0.0.0", "ipv4"],
    ["0x7f.1", "127.0.0.1", "ipv4"],
    ["2130706433", "127.0.0.1", "ipv4"],
    ["127.1", "127.0.0.1", "ipv4"],
    ["127.1.", "127.0.0.1", "ipv4"],
    ["0177.0.0.1", "127.0.0.1", "ipv4"],
    ["0x7F.0.0.0x1", "127.0.0.1", "ipv4"],
    ["169.254.43518", "169.254.169.254", "ipv4"],
    ["0xa9fea9fe", "169.254.169.254", "ipv4"],
    ["012.1.2.3", "10.1.2.3", "ipv4"],
    ["１２７.０.０.１", "127.0.0.1", "ipv4"],
    ["127。0。0。1", "127.0.0.1", "ipv4"],
    ["::0", "::", "ipv6"],
    ["[::1]", "::1", "ipv6"],
    ["0:0:0:0:0:0:0:1", "::1", "ipv6"],
    ["[::FFFF:127.0.0.1]", "::ffff:7f00:1", "ipv6"],
    ["[2606:4700:0:0:0:0:0:1111]", "2606:4700::1111", "ipv6"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "ipv6"],
  ];
  for (const [raw, canonical, kind] of cases) {
    test(`${JSON.stringify(raw)} -> ${canonical}`, () => {
      assert.deepEqual(
        (({ host, kind }) => ({ host, kind }))(canonicalHost(raw) ?? { host: "", kind: "none" }),
        { host: canonical, kind },
      );
    });
  }

  test("inet_aton parses agree with glibc on the edge cases", () => {
    assert.deepEqual(parseIPv4("1.2.65535"), Uint8Array.of(1, 2, 255, 255));
    assert.equal(parseIPv4("1.2.65536"), undefined);
    assert.equal(parseIPv4("256.1"), undefined);
    assert.equal(parseIPv4("4294967296"), undefined);
    assert.deepEqual(parseIPv4("4294967295"), Uint8Array.of(255, 255, 255, 255));
    assert.equal(parseIPv4("08"), undefined, "8 is not an octal digit");
    assert.equal(parseIPv4("1.2.3.4.5"), undefined);
    assert.equal(parseIPv6("1::2::3"), undefined);
    assert.equal(parseIPv6("1:2:3:4:5:6:7:8:9"), undefined);
  });

  test("text that is not a host is refused as such", () => {
    for (const raw of [
      "",
      " ",
      "api.example.com:443",
      "api.example.com/x",
      "user@api.example.com",
      "a..b",
      "..",
      "example.0x1",
      "1.2.3.4.5",
      "08.1.1.1",
      "fe80::1%eth0",
      "[::1",
      "[api.example.com]",
      "a b.com",
      "x\u0000.com",
      `${"a".repeat(64)}.com`,
    ]) {
      assert.equal(canonicalHost(raw), undefined, JSON.stringify(raw));
      assert.deepEqual(checkHost(raw), { ok: false, reason: "not a host name or IP address" });
    }
  });
});

describe("policy", () => {
  const refused: [string, RegExp][] = [
    ["0", /unspecified/],
    ["0.0.0.0", /unspecified/],
    ["::0", /unspecified/],
    ["0.1.2.3", /this network/],
    ["localhost", /localhost/],
    ["LOCALHOST.", /localhost/],
    ["app.localhost", /localhost/],
    ["localhost.localdomain", /localhost/],
    ["127.0.0.1", /loopback/],
    ["127.255.255.254", /loopback/],
    ["0x7f.1", /loopback/],
    ["2130706433", /loopback/],
    ["127.1", /loopback/],
    ["0177.0.0.1", /loopback/],
    ["[::1]", /loopback/],
    ["::ffff:127.0.0.1", /loopback \(IPv4-mapped 127\.0\.0\.1\)/],
    ["::ffff:7f00:1", /loopback/],
    ["::127.0.0.1", /loopback \(IPv4-compatible/],
    ["::8.8.8.8", /deprecated IPv4-compatible/],
    ["64:ff9b::127.0.0.1", /loopback \(NAT64/],
    ["64:ff9b::a9fe:a9fe", /metadata address \(NAT64 169\.254\.169\.254\)/],
    ["64:ff9b:1::1", /local-use NAT64/],
    ["2002:7f00:1::", /loopback \(6to4/],
    ["169.254.169.254", /cloud metadata address/],
    ["0xa9fea9fe", /cloud metadata address/],
    ["169.254.170.2", /cloud metadata address/],
    ["100.100.100.200", /cloud metadata address/],
    ["fd00:ec2::254", /cloud metadata address/],
    ["metadata.google.internal", /cloud metadata name/],
    ["Metadata.Google.Internal.", /cloud metadata name/],
    ["metadata.goog", /cloud metadata name/],
    ["metadata", /single-label/],
    ["instance-data", /single-label/],
    ["169.254.1.1", /link-local/],
    ["fe80::1", /link-local/],
    ["10.1.2.3", /private/],
    ["012.1.2.3", /private/],
    ["172.16.0.1", /private/],
    ["172.31.255.255", /private/],
    ["192.168.1.1", /private/],
    ["::ffff:192.168.1.1", /private/],
    ["100.64.0.1", /CGNAT/],
    ["100.127.255.255", /CGNAT/],
    ["fc00::1", /unique local/],
    ["fd12:3456::1", /unique local/],
    ["224.0.0.1", /multicast/],
    ["239.255.255.250", /multicast/],
    ["ff02::1", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["240.0.0.1", /reserved/],
    ["192.0.2.1", /documentation/],
    ["198.51.100.1", /documentation/],
    ["203.0.113.1", /documentation/],
    ["2001:db8::1", /documentation/],
    ["198.18.0.1", /benchmarking/],
    ["192.0.0.8", /reserved/],
    ["2001::1", /Teredo/],
    ["fec0::1", /site-local/],
    ["100::1", /discard/],
    ["4000::1", /outside global unicast/],
  ];
  for (const [raw, reason] of refused) {
    test(`refused: ${JSON.stringify(raw)}`, () => {
      const v = checkHost(raw);
      assert.equal(v.ok, false);
      assert.match(v.ok ? "" : v.reason, reason);
    });
  }

  const allowed = [
    "api.example.com",
    "pypi.org",
    "files.pythonhosted.org",
    "Bücher.de",
    "db.internal",
    "mvm-egress-test.invalid",
    "localhost.example.com",
    "metadata.google.internal.example.com",
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "169.255.0.1",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2606:4700::1111",
    "[2001:4860:4860::8888]",
    "2002:808:808::1",
  ];
  for (const raw of allowed) {
    test(`allowed: ${JSON.stringify(raw)}`, () => {
      const v = checkHost(raw);
      assert.ok(v.ok, v.ok ? "" : v.reason);
    });
  }

  test("resolved addresses are checked in the form the resolver returns them", () => {
    assert.match(resolvedAddressRefusal("127.0.0.1") ?? "", /loopback/);
    assert.match(resolvedAddressRefusal("::ffff:10.0.0.1") ?? "", /private/);
    assert.match(resolvedAddressRefusal("0177.0.0.1") ?? "", /not an IP address/, "no inet_aton here");
    assert.equal(resolvedAddressRefusal("93.184.216.34"), undefined);
    assert.equal(resolvedAddressRefusal("2606:2800:220:1::1"), undefined);
  });
});

describe("IR rule E_EGRESS_FORBIDDEN_HOST", () => {
  const workload = (hosts: string[], secretHosts: string[] = ["api.example.com"]) => ({
    schema_version: "0.1",
    id: "w",
    apps: [
      {
        name: "a",
        source: { kind: "local_path", path: "." },
        image: { kind: "nix_packages", packages: ["python312"] },
        entrypoints: [{ kind: "command", command: ["python3", "/app/x.py"] }],
        env: {
          TOKEN: {
            kind: "secret_ref",
            ref: { name: "t", mount: { kind: "env", var: "TOKEN" }, allowed_hosts: secretHosts },
          },
        },
        network: { mode: "bridge", egress: { allowlist: hosts.map((host) => ({ host, port: 443 })) } },
      },
    ],
  });

  test("every forbidden grant is reported with its IR path; wildcards keep their own code", () => {
    const r = validateWorkload(
      workload(["api.example.com", "0", "localhost", "[::1]", "0.0.0.0", "169.254.169.254"], ["10.1.2.3"]),
    );
    assert.equal(r.workload, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.path]),
      [
        ["E_NETWORK_WILDCARD", ".apps[0].network.egress.allowlist[4].host"],
        ["E_EGRESS_FORBIDDEN_HOST", ".apps[0].network.egress.allowlist[1].host"],
        ["E_EGRESS_FORBIDDEN_HOST", ".apps[0].network.egress.allowlist[2].host"],
        ["E_EGRESS_FORBIDDEN_HOST", ".apps[0].network.egress.allowlist[3].host"],
        ["E_EGRESS_FORBIDDEN_HOST", ".apps[0].network.egress.allowlist[5].host"],
        ["E_EGRESS_FORBIDDEN_HOST", ".apps[0].env.TOKEN.ref.allowed_hosts[0]"],
      ],
    );
    assert.match(r.diagnostics[1]?.detail ?? "", /egress host "0" \(0\.0\.0\.0\) is the unspecified address/);
  });

  test("public grants pass", () => {
    const r = validateWorkload(workload(["api.example.com", "8.8.8.8", "2606:4700::1111"]));
    assert.ok(r.workload, JSON.stringify(r.diagnostics));
  });
});

describe("build-time egress (network.build_egress)", () => {
  const workload = (network: unknown) => ({
    schema_version: "0.1",
    id: "w",
    apps: [
      {
        name: "a",
        source: { kind: "local_path", path: "." },
        image: { kind: "nix_packages", packages: ["python312"] },
        entrypoints: [{ kind: "command", command: ["python3", "/app/x.py"] }],
        network,
      },
    ],
  });
  const grants = (hosts: string[]) => ({ allowlist: hosts.map((host) => ({ host, port: 443 })) });

  test("the same address policy as runtime egress, at build_egress's own path", () => {
    const r = validateWorkload(
      workload({ mode: "none", build_egress: grants(["files.example.com", "127.0.0.1", "*.example.com"]) }),
    );
    assert.equal(r.workload, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.path]),
      [
        ["E_NETWORK_WILDCARD", ".apps[0].network.build_egress.allowlist[2].host"],
        ["E_EGRESS_FORBIDDEN_HOST", ".apps[0].network.build_egress.allowlist[1].host"],
      ],
    );
    assert.match(r.diagnostics[1]?.detail ?? "", /build egress host "127\.0\.0\.1" is loopback/);
  });

  test("independent of the runtime mode: mode none with build grants is valid", () => {
    const r = validateWorkload(workload({ mode: "none", build_egress: grants(["pypi.org"]) }));
    assert.ok(r.workload, JSON.stringify(r.diagnostics));
    assert.deepEqual(r.workload.apps[0]?.network?.build_egress, grants(["pypi.org"]));
  });

  test("absent by default: a network without it validates to the same object as before", () => {
    const r = validateWorkload(workload({ mode: "bridge", egress: grants(["api.example.com"]) }));
    assert.ok(r.workload);
    assert.equal("build_egress" in (r.workload.apps[0]?.network ?? {}), false);
  });
});
