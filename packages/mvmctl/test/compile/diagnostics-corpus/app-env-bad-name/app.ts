import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), env: { "BAD-NAME": "x" } })((): void => {});

mvm.emitJson();
