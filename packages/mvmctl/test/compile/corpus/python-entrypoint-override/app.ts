import * as mvm from "mvm-sdk";

export const mixed = mvm.app({
  image: mvm.python_image({ python: "3.11", packages: ["nodejs"] }),
  entrypoints: [
    mvm.entrypoint_function({ module: "worker", function: "handle", language: "python", primary: true, format: "msgpack" }),
    mvm.entrypoint({ command: ["python3", "/app/cli.py"] }),
  ],
})((): void => {});

mvm.emitJson();
