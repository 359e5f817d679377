import * as mvm from "mvm-sdk";

export const bundle = mvm.app({
  source: mvm.local_path("./src", { include: ["**/*.ts", "package.json"], exclude: ["**/*.test.ts"] }),
  image: mvm.node_image(),
})((): void => {});

mvm.emitJson();
