import * as mvm from "mvm-sdk";

export const svc = mvm.app({
  image: mvm.node_image(),
  entrypoint: mvm.entrypoint({ command: ["node", "/app/server.mjs"] }),
  // A string is one shell hook; a list of strings is one argv hook.
  before_build: "echo building > /tmp/built",
  before_start: ["touch", "/run/started"],
  // A list holding anything but strings is a list of hooks.
  after_start: [mvm.hook("test -f /run/started"), ["true"], "echo ready"],
  before_stop: [],
})((): void => {});

mvm.emitJson();
