import * as mvm from "mvm-sdk";

export const dup = mvm.app({
  image: mvm.node_image(),
  env: { A: "first", B: "b", A: "second" },
})((): void => {});

mvm.emitJson();
