import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), network: mvm.network({ mode: "bridge", dns: mvm.dns_resolver("1.1.1.1", { port: "x" }) }) })((): void => {});

mvm.emitJson();
