import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), entrypoint: mvm.entrypoint_function({ module: "app" }) })((): void => {});

mvm.emitJson();
