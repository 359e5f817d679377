import * as mvm from "mvm-sdk";

// Closed network (deny with no grants -> mode "none"), a literal and a secret reference. The guest
// sees an opaque token for API_KEY; the raw value stays on the host and is released only to
// api.example.com through host-mediated requests.
export const run = mvm.app({
  name: "agent-tool",
  source: mvm.localPath(".", { include: ["app.ts"] }),
  image: mvm.node_image({ node: "22" }),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 512 }),
  network: mvm.network({ mode: "deny" }),
  env: {
    MODEL_PATH: mvm.literal("/data/model.bin"),
    API_KEY: mvm.secret("agent-api-key", { hosts: ["api.example.com"] }),
  },
  entrypoint: mvm.entrypoint_function({ module: "app", function: "run", primary: true }),
})((prompt: string): { answer: string; model: string; hasKey: boolean } => ({
  answer: prompt.toUpperCase(),
  model: process.env.MODEL_PATH ?? "",
  hasKey: (process.env.API_KEY ?? "").length > 0,
}));

mvm.emitJson();
