import * as mvm from "mvm-sdk";

export const withaddon = mvm.app({
  image: mvm.node_image(),
  addons: [{ name: "otel", hooks: { before_start: [{ kind: "shell", line: "echo otel" }] } }],
})((): void => {});

mvm.emitJson();
