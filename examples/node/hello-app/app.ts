import * as mvm from "mvm-sdk";

// The seed's declaration. The seed asks for python_image in TypeScript; the guest also needs Node
// to run this TypeScript function, so "nodejs" is added to the image's packages
// (python_image({python: "3.12", packages: ["nodejs"]}) -> nix_packages ["python312", "nodejs"]).
export const greet = mvm.app({
  name: "hello-app",
  source: mvm.localPath("."),
  image: mvm.python_image({ python: "3.12", packages: ["nodejs"] }),
  resources: mvm.resources({ cpu: 1, memory_mb: 256 }),
  entrypoint: mvm.entrypoint_function({
    module: "app",
    function: "greet",
    primary: true,
  }),
  before_start: "export HELLO_BANNER='hi'",
})((name: string): string => `hello ${name}`);

mvm.emitJson();
