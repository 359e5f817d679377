import * as mvm from "mvm-sdk";

// Closed network (deny with no grants -> mode "none", no NIC), a literal and a secret reference.
// The guest sees an opaque token for API_KEY; the raw value stays on the host and is released only
// to api.example.com, by the host, through mvm.web_fetch (docs/fetch.md).
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
})(async (prompt: string): Promise<{ status?: number; answer?: string; error?: string }> => {
  try {
    const r = await mvm.web_fetch("https://api.example.com/v1/answer", {
      method: "POST",
      // A token, not the key: the host swaps it for the value for api.example.com only.
      headers: { Authorization: `Bearer ${process.env.API_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ prompt, model: process.env.MODEL_PATH }),
      timeout: 60,
    });
    return { status: r.status, answer: r.text().slice(0, 500) };
  } catch (e) {
    if (e instanceof mvm.FetchError) return { error: `${e.code}: ${e.message}` };
    throw e;
  }
});

mvm.emitJson();
