import * as mvm from "mvm-sdk";

// app() wraps a function declared above: the const still names it.
function impl(a: number, b = 2, ...rest: number[]): number {
  return a + b + rest.length;
}
export const compute = mvm.app({ image: mvm.node_image(), resources: mvm.resources({ memory_mb: 128 }) })(impl);

mvm.emitJson();
