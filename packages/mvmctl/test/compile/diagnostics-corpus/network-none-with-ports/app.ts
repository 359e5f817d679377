import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), network: mvm.network({ ports: [{ mapping_id: "web", host: 8080, guest: 80 }] }) })((): void => {});

mvm.emitJson();
