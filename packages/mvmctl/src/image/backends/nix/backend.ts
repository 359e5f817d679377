// The nix backend: `nix build` of the compiled flake.nix, whose default package is expected to
// hold vmlinuz, initramfs.img and rootfs.ext4 (the store layout); the result is copied into the
// same image dir as the debian backend's. nixpkgs cannot be fetched on the machines mvm is tested
// on, so only the offline part (the flake parses, its inputs, the package list it maps, this
// module's argv) is covered by tests; see docs/build.md, "Nix backend".
import { existsSync } from "node:fs";
import { copyFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MvmError } from "@mvm/ir/errors";
import { onPath, runOk } from "../../host-tools.js";
import type { Reporter } from "../../types.js";

const NIX_FLAGS = ["--extra-experimental-features", "nix-command flakes"];
const IMAGE_FILES = ["vmlinuz", "initramfs.img", "rootfs.ext4"] as const;

export async function nixAvailable(): Promise<boolean> {
  return onPath("nix");
}

/** The flake's declared inputs (name -> url), read with `nix eval` without fetching. */
export async function flakeInputs(compiledDir: string): Promise<Record<string, string>> {
  const text = await runOk(
    "nix",
    [
      ...NIX_FLAGS,
      "eval",
      "--json",
      "--impure",
      "--expr",
      `builtins.mapAttrs (n: v: v.url or "") (import ${join(compiledDir, "flake.nix")}).inputs`,
    ],
    {
      what: "nix eval of flake.nix inputs",
    },
  );
  return JSON.parse(text) as Record<string, string>;
}

/**
 * MVM_NIX_OVERRIDE_INPUTS="mvm=path:/src/mvm nixpkgs=github:NixOS/nixpkgs/<rev>": inputs to
 * replace at build time (`--override-input`), e.g. a local checkout of the mvm flake.
 */
export function parseOverrides(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (spec ?? "").split(/[\s,]+/).filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq <= 0 || eq === item.length - 1) {
      throw new MvmError(
        "E_BUILD_INPUT",
        `MVM_NIX_OVERRIDE_INPUTS: ${JSON.stringify(item)} is not input=flake-url`,
      );
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * The `nix build` argv. --out-link (not --print-out-paths, which Nix 2.8 lacks) names the result
 * and keeps it a GC root while its files are copied. Overrides are sorted so the argv is stable.
 */
export function nixBuildArgv(o: {
  compiledDir: string;
  outLink: string;
  overrides?: Record<string, string>;
}): string[] {
  const overrides = Object.entries(o.overrides ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([name, url]) => ["--override-input", name, url]);
  return [...NIX_FLAGS, "build", "--out-link", o.outLink, ...overrides, `path:${o.compiledDir}#default`];
}

export async function buildNix(o: {
  compiledDir: string;
  outDir: string;
  reporter: Reporter;
  overrides?: Record<string, string>;
}): Promise<void> {
  if (!(await nixAvailable())) {
    throw new MvmError("E_BUILD_BACKEND_UNAVAILABLE", "the nix backend needs `nix` on PATH", {
      hint: "install Nix (https://nixos.org/download) or build with --backend debian",
    });
  }
  const overrides = o.overrides ?? parseOverrides(process.env.MVM_NIX_OVERRIDE_INPUTS);
  for (const [name, url] of Object.entries(overrides))
    o.reporter.step(`nix: input ${name} overridden by ${url}`);
  o.reporter.step("nix build (fetches nixpkgs on first use)");
  // Beside out/ in the private build dir, so it goes away with it.
  const outLink = join(dirname(o.outDir), "nix-result");
  await runOk("nix", nixBuildArgv({ compiledDir: o.compiledDir, outLink, overrides }), {
    onOutput: (s) => {
      for (const l of s.split("\n").filter(Boolean)) o.reporter.log(`  nix: ${l}`);
    },
    what: "nix build",
  });
  const out = existsSync(outLink) ? await realpath(outLink) : "";
  for (const f of IMAGE_FILES) {
    if (!out || !existsSync(join(out, f))) {
      throw new MvmError("E_BUILD_TOOL_FAILED", `nix build output ${out || outLink} has no ${f}`);
    }
    await copyFile(join(out, f), join(o.outDir, f));
  }
}
