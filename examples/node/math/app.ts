import * as mvm from "mvm-sdk";

// One declaration, two function entrypoints in mathsvc.ts; add is the default.
export const math = mvm.app({
  name: "math",
  source: mvm.localPath(".", { include: ["mathsvc.ts"] }),
  image: mvm.node_image(),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 }),
  network: mvm.network({ mode: "none" }),
  dependencies: mvm.no_deps(),
  entrypoints: [
    mvm.entrypoint_function({ module: "mathsvc", function: "add", primary: true }),
    mvm.entrypoint_function({ module: "mathsvc", function: "mul" }),
  ],
})((): void => {});

mvm.emitJson();
