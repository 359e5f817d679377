import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), resources: mvm.resources({ cpu: 1, cpu_cores: 2 }) })((): void => {});

mvm.emitJson();
