import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), network: mvm.network({ mode: "bridge", egress: [mvm.host_port("api.example.com", 70000)] }) })((): void => {});

mvm.emitJson();
