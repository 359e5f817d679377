import * as mvm from "mvm-sdk";

// All four hook phases, each leaving a marker so a test can see it ran. The guest's root is
// read-only, so markers go to /run (a tmpfs) at runtime; before_build runs in the builder.
export const service = mvm.app({
  name: "service",
  source: mvm.localPath(".", { include: ["server.mjs"] }),
  image: mvm.node_image({ node: "22", packages: ["coreutils"] }),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 256 }),
  network: mvm.network({ mode: "none" }),
  entrypoint: mvm.entrypoint({ command: ["node", "/app/server.mjs"] }),
  before_build: mvm.hook(["node", "--version"]),
  before_start: "mkdir -p /run/mvm-service && date +%s > /run/mvm-service/started",
  // Readiness: succeeds once before_start has left its marker.
  after_start: mvm.hook(["test", "-f", "/run/mvm-service/started"]),
  before_stop: ["touch", "/run/mvm-service/stopping"],
})((): void => {});

mvm.emitJson();
