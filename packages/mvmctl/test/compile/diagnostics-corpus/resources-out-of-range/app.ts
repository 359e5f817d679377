import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), resources: mvm.resources({ cpu_cores: 64, memory_mb: 32 }) })((): void => {});

mvm.emitJson();
