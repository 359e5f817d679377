import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), env: { A: 1 } })((): void => {});

mvm.emitJson();
