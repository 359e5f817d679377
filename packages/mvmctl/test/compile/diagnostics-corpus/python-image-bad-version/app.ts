import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image({ python: "3" }) })((): void => {});

mvm.emitJson();
