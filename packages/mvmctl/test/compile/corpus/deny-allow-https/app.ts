import * as mvm from "mvm-sdk";

export const run = mvm.app({
  name: "agent-tool",
  source: mvm.local_path("."),
  image: mvm.nix_packages(["python312", "uv"]),
  resources: mvm.resources({ cpu_cores: 1, memory_mb: 512 }),
  network: mvm.network({ mode: "deny", allow_https: ["api.openai.com"] }),
  env: { OPENAI_API_KEY: mvm.secret("openai-api-key", { hosts: ["api.openai.com"] }) },
  entrypoint: mvm.entrypoint_function({ module: "tool", function: "run", primary: true }),
})((prompt: string): string => prompt);

mvm.emitJson();
