import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), source: mvm.local_path(3) })((): void => {});

mvm.emitJson();
