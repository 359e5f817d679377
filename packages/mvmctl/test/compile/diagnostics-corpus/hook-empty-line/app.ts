import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), before_start: "" })((): void => {});

mvm.emitJson();
