import * as mvm from "mvm-sdk";

export const svc = mvm.app({ image: mvm.python_image(), env: { TOKEN: mvm.secret("api-token", { type: "token", hosts: ["api.example.com"] }) } })((): void => {});

mvm.emitJson();
