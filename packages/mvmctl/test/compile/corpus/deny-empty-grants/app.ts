import * as mvm from "mvm-sdk";

export const closed = mvm.app({
  image: mvm.node_image(),
  network: mvm.network({ mode: "deny", allow_https: [] }),
})((): void => {});

mvm.emitJson();
