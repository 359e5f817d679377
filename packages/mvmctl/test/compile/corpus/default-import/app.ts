import mvm from "mvm-sdk";

export const run = mvm.app({
  image: mvm.nix_packages(["nodejs_22", "git"]),
  network: mvm.network(),
})(async (input: string) => input.trim());

mvm.emitJson();
