import * as mvm from "mvm-sdk";

// Addon hooks take the app's hook forms (here a string: one shell hook), not raw IR objects.
export const withaddon = mvm.app({
  image: mvm.node_image(),
  addons: [{ name: "otel", hooks: { before_start: "echo otel" } }],
})((): void => {});

mvm.emitJson();
