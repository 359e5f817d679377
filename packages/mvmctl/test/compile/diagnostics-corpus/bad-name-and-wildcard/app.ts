import * as mvm from "mvm-sdk";

export const Bad_Name = mvm.app({ image: mvm.python_image(), network: mvm.network({ mode: "bridge", allow_https: ["*.example.com"] }) })((): void => {});

mvm.emitJson();
