import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), entrypoints: [mvm.entrypoint_function({ module: "app", function: "a" }), mvm.entrypoint_function({ module: "app", function: "b" })] })((): void => {});

mvm.emitJson();
