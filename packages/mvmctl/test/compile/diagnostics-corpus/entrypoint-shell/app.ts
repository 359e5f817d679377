import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), entrypoint: mvm.entrypoint({ command: ["/bin/sh", "-c", "run"] }) })((): void => {});

mvm.emitJson();
