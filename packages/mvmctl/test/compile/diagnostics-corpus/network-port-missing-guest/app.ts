import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), network: mvm.network({ mode: "bridge", ports: [{ mapping_id: "web", host: 8080 }] }) })((): void => {});

mvm.emitJson();
