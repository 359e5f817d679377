import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), entrypoint: mvm.entrypoint({ command: ["run"] }), entrypoints: [mvm.entrypoint({ command: ["run"] })] })((): void => {});

mvm.emitJson();
