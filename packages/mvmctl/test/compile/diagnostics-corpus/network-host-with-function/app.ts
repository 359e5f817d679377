import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), network: mvm.network({ mode: "host" }) })((): void => {});

mvm.emitJson();
