import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), network: mvm.network({ mode: "open" }) })((): void => {});

mvm.emitJson();
