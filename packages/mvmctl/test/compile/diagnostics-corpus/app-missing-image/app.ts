import * as mvm from "mvm-sdk";

export const svc = mvm.app({ name: "svc" })((): void => {});

mvm.emitJson();
