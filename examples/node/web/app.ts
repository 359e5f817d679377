import * as mvm from "mvm-sdk";

// A small HTTP service reachable from the host: the guest's server listens on its own loopback
// (127.0.0.1:8000) and the declared port forward "web" carries host 127.0.0.1:18081 to it. The
// network is bridge with no egress declared, so the guest itself still reaches nothing.
export const web = mvm.app({
  name: "web-node",
  source: mvm.localPath(".", { include: ["server.mjs", "healthcheck.mjs"] }),
  image: mvm.node_image({ node: "22" }),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 256 }),
  network: mvm.network({ mode: "bridge", ports: [{ mapping_id: "web", host: 18081, guest: 8000 }] }),
  entrypoint: mvm.entrypoint({ command: ["node", "/app/server.mjs"] }),
  // Readiness: `mvmctl up` returns only once the server answers inside the guest.
  after_start: mvm.hook(["node", "/app/healthcheck.mjs"]),
})((): void => {});

mvm.emitJson();
