import * as mvm from "mvm-sdk";

export const keys = mvm.app({
  "name": "keys",
  'image': mvm.node_image(),
  env: { "MY_VAR": "1", 'OTHER_VAR': "2", A1: "3" },
})((): void => {});

mvm.emitJson();
