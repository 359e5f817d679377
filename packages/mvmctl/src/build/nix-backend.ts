// The nix backend: `nix build` of the compiled flake.nix, whose default package is expected to
// hold vmlinuz, initramfs.img and rootfs.ext4 (the store layout); the result is copied into the
// same image dir as the debian backend's. nixpkgs cannot be fetched on the machines mvm is tested
// on, so only the offline part (the flake parses, its inputs) is covered by tests; see
// docs/build.md, "Nix backend".
import { existsSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir";
import { onPath, runOk } from "./exec.js";
import type { Reporter } from "./types.js";

const NIX_FLAGS = ["--extra-experimental-features", "nix-command flakes"];

export async function nixAvailable(): Promise<boolean> {
  return onPath("nix");
}

/** The flake's declared inputs (name -> url), read with `nix flake metadata` without fetching. */
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

export async function buildNix(o: {
  compiledDir: string;
  outDir: string;
  reporter: Reporter;
}): Promise<void> {
  if (!(await nixAvailable())) {
    throw new MvmError("E_BUILD_BACKEND_UNAVAILABLE", "the nix backend needs `nix` on PATH", {
      hint: "install Nix (https://nixos.org/download) or build with --backend debian",
    });
  }
  o.reporter.step("nix build (fetches nixpkgs on first use)");
  const out =
    (
      await runOk(
        "nix",
        [...NIX_FLAGS, "build", "--no-link", "--print-out-paths", `path:${o.compiledDir}#default`],
        {
          onOutput: (s) => {
            for (const l of s.split("\n").filter(Boolean)) o.reporter.log(`  nix: ${l}`);
          },
          what: "nix build",
        },
      )
    )
      .trim()
      .split("\n")
      .pop() ?? "";
  for (const f of ["vmlinuz", "initramfs.img", "rootfs.ext4"]) {
    if (!existsSync(join(out, f))) {
      throw new MvmError("E_BUILD_TOOL_FAILED", `nix build output ${out} has no ${f}`);
    }
    await copyFile(join(out, f), join(o.outDir, f));
  }
}
