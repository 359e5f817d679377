import * as mvm from "mvm-sdk";

export const f = mvm.app({ image: mvm.python_image(), network: mvm.network({ build_egress: [mvm.host_port("*.example.com", 443)] }) })((): void => {});

mvm.emitJson();
