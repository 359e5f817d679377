import * as mvm from "mvm-sdk";

// Only the image: name, workload id and the entrypoint come from the const and the file.
export const greet = mvm.app({ image: mvm.node_image() })((name: string) => `hi ${name}`);

mvm.emitJson();
