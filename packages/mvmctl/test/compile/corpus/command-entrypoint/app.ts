import * as mvm from "mvm-sdk";

export const worker = mvm.app({
  name: "worker",
  source: mvm.local_path(".", { include: ["worker.mjs", "package-lock.json"] }),
  image: mvm.node_image({ packages: ["coreutils"] }),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 512, rootfs_size_mb: 1024 }),
  dependencies: mvm.node_deps({ lockfile: "package-lock.json" }),
  network: mvm.network({ mode: "none" }),
  entrypoint: mvm.entrypoint({ command: ["node", "/app/worker.mjs"], working_dir: "/app", env: { LOG: "info" } }),
})((): void => {});

mvm.emitJson();
