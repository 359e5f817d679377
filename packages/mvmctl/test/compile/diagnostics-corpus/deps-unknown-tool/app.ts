import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), dependencies: mvm.python_deps({ lockfile: "uv.lock", tool: "poetry" }) })((): void => {});

mvm.emitJson();
