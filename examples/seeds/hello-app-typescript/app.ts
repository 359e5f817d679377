import * as mvm from "mvm-sdk";

export const greet = mvm.app({
  name: "hello-app",
  source: mvm.localPath("."),
  image: mvm.python_image({ python: "3.12" }),
  resources: mvm.resources({ cpu: 1, memory_mb: 256 }),
  entrypoint: mvm.entrypoint_function({
    module: "app",
    function: "greet",
    primary: true,
  }),
  before_start: "export HELLO_BANNER='hi'",
})((name: string): string => `hello ${name}`);
