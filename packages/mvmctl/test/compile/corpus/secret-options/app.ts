import * as mvm from "mvm-sdk";

export const caller = mvm.app({
  image: mvm.node_image(),
  env: {
    MODEL: mvm.literal("gpt-4.1-mini"),
    OPENAI_API_KEY: mvm.secret("openai-api-key", { var: "OPENAI_API_KEY", hosts: ["api.openai.com"] }),
    TOKEN: mvm.secret("gh-token", { var: "GH_TOKEN", type: "basic", hosts: ["api.github.com"] }),
    PLAIN: "just a string",
  },
})((q: string) => q);

mvm.emitJson();
