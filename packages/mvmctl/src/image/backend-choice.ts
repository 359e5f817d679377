// Which backend builds when the user did not say. The rule is "nix when nix is on PATH";
// a nix that cannot reach nixpkgs would fail every build, though (Debian's nix-bin on a machine
// without access to GitHub or cache.nixos.org), so the rule is: --backend, then
// MVM_BUILD_BACKEND, then nix if `nix` is on PATH and cache.nixos.org answers, else debian.
import { connect } from "node:net";
import { MvmError } from "@mvm/ir/errors";
import { onPath } from "./host-tools.js";

export type Backend = "debian" | "nix";

function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

export interface BackendChoice {
  backend: Backend;
  /** Why, when it was not asked for explicitly (shown as a step line). */
  reason?: string;
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
  if (!(await onPath("nix"))) return { backend: "debian", reason: "nix is not installed" };
  if (!(await reachable("cache.nixos.org", 443, 2000))) {
    return { backend: "debian", reason: "nix is installed but cache.nixos.org is unreachable" };
  }
  return { backend: "nix", reason: "nix is installed" };
}
