import assert from "node:assert/strict";
import { test } from "node:test";
import { isMvmError } from "@mvm/ir";
import { parseDurationMs } from "../../src/commands/duration.js";
import { parseInputValue, payloadFromInputs, payloadFromStdin } from "../../src/runtime/invoke-input.js";
import { tscKhzFromCpuinfo } from "../../src/runtime/vmm/host-tsc.js";
import { PROBE_OK_STATUS, probeInitElf } from "../../src/runtime/vmm/kvm-probe-init.js";

test("durations accept ms, s, m and bare seconds", () => {
  assert.equal(parseDurationMs("500ms"), 500);
  assert.equal(parseDurationMs("30s"), 30_000);
  assert.equal(parseDurationMs("2m"), 120_000);
  assert.equal(parseDurationMs("1.5s"), 1500);
  assert.equal(parseDurationMs("7"), 7000);
  for (const bad of ["", "abc", "10x", "-1s", "0s"]) {
    assert.throws(
      () => parseDurationMs(bad),
      (e: unknown) => isMvmError(e) && e.exitCode === 2,
      bad,
    );
  }
});

test("--input values are JSON when they parse, strings otherwise", () => {
  assert.equal(parseInputValue("ari"), "ari");
  assert.equal(parseInputValue('"ari"'), "ari");
  assert.equal(parseInputValue("3"), 3);
  assert.equal(parseInputValue("true"), true);
  assert.equal(parseInputValue("null"), null);
  assert.deepEqual(parseInputValue('["a",1]'), ["a", 1]);
  assert.deepEqual(parseInputValue('{"k":1}'), { k: 1 });
  assert.equal(parseInputValue("{not json"), "{not json");
  assert.equal(parseInputValue(""), "");
});

test("--input pairs build kwargs; the value may hold '='", () => {
  assert.deepEqual(payloadFromInputs(["name=ari", "n=3", "expr=a=b"]), [
    [],
    { name: "ari", n: 3, expr: "a=b" },
  ]);
  assert.deepEqual(payloadFromInputs([]), [[], {}]);
  assert.throws(
    () => payloadFromInputs(["=x"]),
    (e: unknown) => isMvmError(e) && e.code === "E_USAGE",
  );
  assert.throws(() => payloadFromInputs(["noequals"]));
  assert.throws(() => payloadFromInputs(["a=1", "a=2"]), /twice/);
});

test("--stdin takes exactly [args, kwargs]", () => {
  assert.deepEqual(payloadFromStdin('[["ari"], {"x": 1}]'), [["ari"], { x: 1 }]);
  for (const bad of ["{}", "[1]", "[{}, []]", "nope"]) {
    assert.throws(
      () => payloadFromStdin(bad),
      (e: unknown) => isMvmError(e) && e.code === "E_USAGE",
      bad,
    );
  }
});

test("host TSC rate from bogomips, else cpu MHz", () => {
  assert.equal(tscKhzFromCpuinfo("cpu MHz\t\t: 3400.000\nbogomips\t: 4192.01\n"), 2096005);
  assert.equal(tscKhzFromCpuinfo("cpu MHz\t\t: 2096.009\n"), 2096009);
  assert.equal(tscKhzFromCpuinfo("processor: 0\n"), undefined);
});

test("KVM probe init: a static x86-64 ELF whose entry point writes the exit value to port 0xf4", () => {
  const elf = probeInitElf();
  assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(elf.readUInt16LE(18), 0x3e, "x86-64");
  const entry = Number(elf.readBigUInt64LE(24)) - 0x400000;
  assert.equal(elf.readBigUInt64LE(64 + 32), BigInt(elf.length), "one PT_LOAD covers the whole file");
  assert.deepEqual([...elf.subarray(entry + 12, entry + 16)], [0xb0, 0x21, 0xe6, 0xf4]);
  assert.equal(PROBE_OK_STATUS, 67);
});
