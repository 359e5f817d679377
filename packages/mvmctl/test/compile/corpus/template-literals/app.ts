import * as mvm from "mvm-sdk";

export const tmpl = mvm.app({
  name: `tmpl`,
  image: mvm.nix_packages([`nodejs_22`]),
  before_start: `echo "multi
line" > /tmp/x`,
})((): void => {});

mvm.emitJson();
