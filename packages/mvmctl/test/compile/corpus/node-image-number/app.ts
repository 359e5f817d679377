import * as mvm from "mvm-sdk";

export const old = mvm.app({
  image: mvm.nodeImage({ node: 20, packages: ["jq"] }),
  dependencies: mvm.nodeDeps({ lockfile: "pnpm-lock.yaml", tool: "pnpm" }),
})((): number => 1);

mvm.emitJson();
