// Which backend builds when the user did not say: --backend, then MVM_BUILD_BACKEND, then nix only
// when this host has a working Nix installation, else debian. "Working" is decided by what Nix
// can do here, never by whether some host answers on the network: nix-build must build a trivial
// derivation in its local store with substituters off (no network), so a nix-bin without its
// build users, a read-only store or a daemon that is not running all mean debian. A build that
// then needs nixpkgs from the network fails with Nix's own error, which is the honest outcome.
import { MvmError } from "@mvm/ir/errors";
import { onPath, run } from "./host-tools.js";

export type Backend = "debian" | "nix";

export interface BackendChoice {
  backend: Backend;
  /** Why, when it was not asked for explicitly (shown as a step line). */
  reason?: string;
}

const PROBE_DERIVATION =
  'derivation { name = "mvm-nix-probe"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ok > $out" ]; }';

/** Whether nix-build can build in its local store here; the first line of its error when not. */
export async function nixCanBuild(): Promise<{ ok: boolean; why?: string }> {
  const r = await run("nix-build", [
    "--option",
    "substitute",
    "false",
    "--no-out-link",
    "-E",
    PROBE_DERIVATION,
  ]).catch((e: Error) => ({ code: 127, stdout: "", stderr: e.message }));
  if (r.code === 0 && r.stdout.trim().startsWith("/")) return { ok: true };
  const why = r.stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith("error:"));
  return { ok: false, why: why?.replace(/^error:\s*/, "") ?? `nix-build exited with ${r.code}` };
}

export async function chooseBackend(requested?: string): Promise<BackendChoice> {
  const asked = requested ?? process.env.MVM_BUILD_BACKEND;
  if (asked !== undefined) {
    if (asked !== "debian" && asked !== "nix") {
      throw new MvmError("E_BUILD_BACKEND_UNAVAILABLE", `unknown backend "${asked}"`, {
        hint: "use debian or nix",
      });
    }
    return { backend: asked };
  }
  if (!(await onPath("nix-build"))) return { backend: "debian", reason: "nix is not installed" };
  const nix = await nixCanBuild();
  if (!nix.ok) return { backend: "debian", reason: `nix is installed but cannot build here (${nix.why})` };
  return { backend: "nix", reason: "nix builds in its local store here" };
}
