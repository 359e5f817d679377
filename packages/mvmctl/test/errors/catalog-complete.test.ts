// Every error code the code base can emit is in the catalogue (and so in docs/errors.md, which is
// generated from it and checked for drift), and every error kind the guest agent sends maps to a
// catalogued code. MvmError's constructor only takes catalogued codes at compile time; this test
// also covers the places the type system cannot see: the Python SDK, the guest runners, and codes
// written as data.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { catalog, isErrorCode } from "@mvm/ir/errors";
import { AGENT_ERROR_CODES } from "../../src/runtime/agent/protocol/errors.js";
import { REPO_ROOT } from "../helpers/cli.js";

function files(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name === "__pycache__" || name.startsWith("."))
      continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(p);
  }
  return out;
}

const SOURCES = [
  ...["packages/ir/src", "packages/sdk/src", "packages/mvmctl/src"].flatMap((d) =>
    files(path.join(REPO_ROOT, d), [".ts"]),
  ),
  ...files(path.join(REPO_ROOT, "python/mvm"), [".py"]),
  ...files(path.join(REPO_ROOT, "agent/runners"), [".py", ".mjs"]),
];

test("every quoted E_ code in the sources is catalogued", () => {
  assert.ok(SOURCES.length > 50, `found only ${SOURCES.length} source files`);
  const missing: string[] = [];
  let seen = 0;
  for (const f of SOURCES) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/["'`](E_[A-Z0-9_]+)["'`]/g)) {
      seen++;
      if (!isErrorCode(m[1]!)) missing.push(`${path.relative(REPO_ROOT, f)}: ${m[1]}`);
    }
  }
  assert.ok(seen > 100, `only ${seen} code literals found: is the scan still looking in the right places?`);
  assert.deepEqual(missing, [], "add these codes to packages/ir/src/catalog/ and run npm run docs:errors");
});

test("every error kind the guest agent sends maps to a catalogued code", () => {
  const kinds = new Set<string>();
  for (const f of files(path.join(REPO_ROOT, "agent/src"), [".c"])) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:reply_err|send_err)\([^"]*"([a-z_]+)"/g))
      kinds.add(m[1]!);
  }
  assert.ok(kinds.size >= 5, `found only ${[...kinds].join(", ")}`);
  for (const k of kinds) {
    assert.ok(Object.hasOwn(AGENT_ERROR_CODES, k), `agent kind "${k}" has no row in AGENT_ERROR_CODES`);
  }
  for (const code of Object.values(AGENT_ERROR_CODES)) assert.ok(code in catalog, code);
});

test("docs/errors.md lists every catalogued code", () => {
  const doc = readFileSync(path.join(REPO_ROOT, "docs/errors.md"), "utf8");
  const absent = Object.keys(catalog).filter((c) => !doc.includes(c));
  assert.deepEqual(absent, [], "run npm run docs:errors");
});

test("a code that is not in the catalogue does not compile", async () => {
  const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
  const { spawnSync } = await import("node:child_process");
  const os = await import("node:os");
  // Inside the repo so that "@mvm/ir/errors" resolves like it does for the real sources.
  const dir = await mkdtemp(path.join(REPO_ROOT, "packages/mvmctl/.typed-code-"));
  try {
    await writeFile(
      path.join(dir, "probe.ts"),
      [
        'import { MvmError } from "@mvm/ir/errors";',
        'export const ok = new MvmError("E_BOOT_FAILED", "catalogued");',
        'export const bad = new MvmError("E_BOOT_FAILD", "a typo");',
        "",
      ].join("\n"),
    );
    const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        "--noEmit",
        "--strict",
        "--module",
        "NodeNext",
        "--moduleResolution",
        "NodeNext",
        "--target",
        "ES2022",
        "--types",
        "node",
        path.join(dir, "probe.ts"),
      ],
      { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, TMPDIR: os.tmpdir() } },
    );
    const out = `${r.stdout}${r.stderr}`;
    assert.notEqual(r.status, 0, "the typo compiled");
    assert.match(out, /probe\.ts\(3,[0-9]+\).*"E_BOOT_FAILD".*not assignable/);
    assert.doesNotMatch(out, /probe\.ts\(2,/, "the catalogued code must compile");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
