import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), entrypoints: [mvm.entrypoint_function({ module: "app", function: "a", primary: true }), mvm.entrypoint_function({ module: "app", function: "b", primary: true })] })((): void => {});

mvm.emitJson();
