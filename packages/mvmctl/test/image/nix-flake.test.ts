// The nix route, offline: nixpkgs and the mvm flake cannot be fetched here, so this checks what
// can be checked without them. The compiled flake.nix (real `mvmctl compile`) parses, its inputs
// are the pinned URLs, and its outputs — evaluated against stub inputs — map exactly launch.json's
// image.packages and hand the builder ./launch.json and ./src. The `nix build` argv and the copy
// of its result are checked with a stand-in `nix` on PATH.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { DEFAULT_MVM_FLAKE_URL, DEFAULT_NIXPKGS_URL } from "../../src/compile/flake.js";
import { buildNix, flakeInputs, nixBuildArgv, parseOverrides } from "../../src/image/backends/nix/backend.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { recordingReporter } from "./fixtures.js";

const hasNixInstantiate = (() => {
  try {
    execFileSync("nix-instantiate", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const skip = hasNixInstantiate ? false : "nix-instantiate is not on PATH";

const PACKAGES = ["python311", "python311Packages.requests", "curl"];

async function compiled(env: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir("mvm-nix-");
  await mkdir(join(dir, "proj"));
  await writeFile(join(dir, "proj/app.py"), "def greet(name):\n    return name\n");
  const ir = {
    schema_version: "0.1",
    id: "nixy",
    apps: [
      {
        name: "nixy",
        source: { kind: "local_path", path: "." },
        image: { kind: "nix_packages", packages: PACKAGES },
        entrypoints: [
          { kind: "function", language: "python", module: "app", function: "greet", primary: true },
        ],
      },
    ],
  };
  await writeFile(join(dir, "proj/workload.json"), JSON.stringify(ir));
  const r = await runCli(["compile", "--from-ir", "proj/workload.json", "--out", "out"], {
    cwd: dir,
    env: { MVM_FLAKE_URL: "", MVM_NIXPKGS_URL: "", ...env },
  });
  assert.equal(r.code, 0, r.stderr);
  return join(dir, "out");
}

function nixEval(dir: string, expr: string): unknown {
  const out = execFileSync("nix-instantiate", ["--eval", "--json", "--strict", "-E", expr], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out.toString());
}

test("compiled flake.nix parses; a corrupted copy does not", { skip }, async () => {
  const dir = await compiled();
  execFileSync("nix-instantiate", ["--parse", join(dir, "flake.nix")], { stdio: "ignore" });
  const text = await readFile(join(dir, "flake.nix"), "utf8");
  await writeFile(join(dir, "broken.nix"), text.replace("outputs =", "outputs = {"));
  assert.throws(() =>
    execFileSync("nix-instantiate", ["--parse", join(dir, "broken.nix")], { stdio: "ignore" }),
  );
});

test("the flake's inputs are the pinned URLs (or the compile-time overrides), mvm follows nixpkgs", {
  skip,
}, async () => {
  const inputsExpr = `let f = import ./flake.nix; in {
    nixpkgs = f.inputs.nixpkgs.url; mvm = f.inputs.mvm.url; follows = f.inputs.mvm.inputs.nixpkgs.follows;
    names = builtins.attrNames f.inputs; }`;
  const dir = await compiled();
  // flakeInputs() (what the backend reports) reads the same thing through `nix eval`.
  assert.deepEqual(await flakeInputs(dir), { mvm: DEFAULT_MVM_FLAKE_URL, nixpkgs: DEFAULT_NIXPKGS_URL });
  assert.deepEqual(nixEval(dir, inputsExpr), {
    nixpkgs: DEFAULT_NIXPKGS_URL,
    mvm: DEFAULT_MVM_FLAKE_URL,
    follows: "nixpkgs",
    names: ["mvm", "nixpkgs"],
  });
  const overridden = await compiled({
    MVM_FLAKE_URL: "path:/src/mvm",
    MVM_NIXPKGS_URL: "github:NixOS/nixpkgs/0123abc",
  });
  assert.deepEqual(nixEval(overridden, inputsExpr), {
    nixpkgs: "github:NixOS/nixpkgs/0123abc",
    mvm: "path:/src/mvm",
    follows: "nixpkgs",
    names: ["mvm", "nixpkgs"],
  });
});

// Stub inputs: nixpkgs.lib's two functions the flake uses, a pkgs set holding exactly the declared
// attributes (so an attribute outside it fails evaluation), and an mkMicrovmImage that returns
// its arguments for inspection.
const STUB = (declared: string[]) => `
let
  flake = import ./flake.nix;
  launch = builtins.fromJSON (builtins.readFile ./launch.json);
  split = s: builtins.filter builtins.isString (builtins.split "[.]" s);
  leaf = name: { mvmAttr = name; };
  nest = path: v: builtins.foldl' (acc: k: { \${k} = acc; }) v (builtins.genList (i: builtins.elemAt path (builtins.length path - 1 - i)) (builtins.length path));
  merge = a: b: a // builtins.mapAttrs (k: v: if a ? \${k} && builtins.isAttrs v && !(v ? mvmAttr) then merge a.\${k} v else v) b;
  pkgs = builtins.foldl' (acc: n: merge acc (nest (split n) (leaf n))) { } (builtins.fromJSON ${JSON.stringify(JSON.stringify(declared))});
  nixpkgs = {
    lib = {
      splitString = sep: s: assert sep == "."; split s;
      getAttrFromPath = path: set: builtins.foldl' (s: k: s.\${k}) set path;
    };
    legacyPackages.x86_64-linux = pkgs;
  };
  mvm = { lib.x86_64-linux.mkMicrovmImage = args: args; };
  out = flake.outputs { self = out; inherit nixpkgs mvm; };
  image = out.packages.x86_64-linux.default;
in {
  built = map (p: p.mvmAttr) image.packages;
  wanted = launch.image.packages;
  launchIrHash = image.launch.ir_hash;
  src = builtins.baseNameOf (toString image.src);
  systems = builtins.attrNames out.packages;
}`;

test("evaluated with stub inputs, the flake builds exactly launch.json's image.packages from ./src", {
  skip,
}, async () => {
  const dir = await compiled();
  const launch = JSON.parse(await readFile(join(dir, "launch.json"), "utf8"));
  const r = nixEval(dir, STUB(PACKAGES)) as Record<string, unknown>;
  assert.deepEqual(r.wanted, PACKAGES);
  assert.deepEqual(r.built, launch.image.packages);
  assert.equal(r.launchIrHash, launch.ir_hash);
  assert.equal(r.src, "src");
  assert.deepEqual(r.systems, ["x86_64-linux"]);
  // The stub is strict: a package missing from the set fails evaluation, so the check above can fail.
  assert.throws(
    () => nixEval(dir, STUB(["python311", "python311Packages.other", "curl"])),
    /attribute .requests. missing/,
  );
});

test("nixBuildArgv: flakes enabled, --out-link, sorted --override-input pairs, the compiled dir as a path flake", () => {
  assert.deepEqual(nixBuildArgv({ compiledDir: "/c", outLink: "/b/nix-result" }), [
    "--extra-experimental-features",
    "nix-command flakes",
    "build",
    "--out-link",
    "/b/nix-result",
    "path:/c#default",
  ]);
  const argv = nixBuildArgv({
    compiledDir: "/c",
    outLink: "/b/r",
    overrides: parseOverrides("nixpkgs=github:NixOS/nixpkgs/abc mvm=path:/src/mvm"),
  });
  assert.deepEqual(argv.slice(5, 11), [
    "--override-input",
    "mvm",
    "path:/src/mvm",
    "--override-input",
    "nixpkgs",
    "github:NixOS/nixpkgs/abc",
  ]);
  assert.deepEqual(parseOverrides(undefined), {});
  assert.throws(() => parseOverrides("mvm"), { code: "E_BUILD_INPUT" });
  assert.throws(() => parseOverrides("=x"), { code: "E_BUILD_INPUT" });
});

/** A stand-in `nix` that records its argv and links --out-link to a result dir (minus `omit`). */
async function fakeNix(omit?: string): Promise<{ bin: string; argvFile: string }> {
  const bin = await tempDir("mvm-fakenix-");
  const argvFile = join(bin, "argv");
  const files = ["vmlinuz", "initramfs.img", "rootfs.ext4"].filter((f) => f !== omit);
  await writeFile(
    join(bin, "nix"),
    `#!/bin/sh
printf '%s\\n' "$@" > ${argvFile}
while [ $# -gt 0 ]; do [ "$1" = --out-link ] && link=$2; shift; done
res=${bin}/store-result; mkdir -p $res
for f in ${files.join(" ")}; do echo "$f bytes" > $res/$f; done
ln -sfn $res "$link"
`,
  );
  await chmod(join(bin, "nix"), 0o755);
  return { bin, argvFile };
}

test("buildNix runs nix build with the overrides and copies the result's three files into out/", async () => {
  const { bin, argvFile } = await fakeNix();
  const build = await tempDir("mvm-nixbuild-");
  await mkdir(join(build, "out"));
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    const rep = recordingReporter();
    await buildNix({
      compiledDir: "/compiled",
      outDir: join(build, "out"),
      reporter: rep,
      overrides: { mvm: "path:/src/mvm" },
    });
    const argv = (await readFile(argvFile, "utf8")).trim().split("\n");
    assert.deepEqual(argv.slice(2), [
      "build",
      "--out-link",
      join(build, "nix-result"),
      "--override-input",
      "mvm",
      "path:/src/mvm",
      "path:/compiled#default",
    ]);
    for (const f of ["vmlinuz", "initramfs.img", "rootfs.ext4"]) {
      assert.equal(await readFile(join(build, "out", f), "utf8"), `${f} bytes\n`);
    }
    assert.ok(rep.lines.some((l) => /input mvm overridden by path:\/src\/mvm/.test(l)));

    const partial = await fakeNix("rootfs.ext4");
    process.env.PATH = `${partial.bin}:${path}`;
    await assert.rejects(
      buildNix({ compiledDir: "/compiled", outDir: join(build, "out"), reporter: rep, overrides: {} }),
      {
        code: "E_BUILD_TOOL_FAILED",
        message: /has no rootfs\.ext4/,
      },
    );
  } finally {
    process.env.PATH = path;
  }
});
