import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), colour: "red" })((): void => {});

mvm.emitJson();
