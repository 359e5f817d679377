import * as mvm from "mvm-sdk";

// A command entrypoint: the VM boots into a process. worker.ts is transpiled to worker.mjs at
// build time, next to it under /app.
export const worker = mvm.app({
  name: "worker",
  source: mvm.localPath(".", { include: ["worker.ts"] }),
  image: mvm.node_image({ node: "22" }),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 256, rootfs_size_mb: 512 }),
  network: mvm.network({ mode: "none" }),
  entrypoint: mvm.entrypoint({ command: ["node", "/app/worker.mjs"], env: { WORKER_INTERVAL_MS: "1000" } }),
})((): void => {});

mvm.emitJson();
