import * as mvm from "mvm-sdk";

export const camel = mvm.app({
  source: mvm.localPath(".", { exclude: ["node_modules/**"] }),
  image: mvm.pythonImage({ python: "3.13" }),
  dependencies: mvm.pythonDeps({ lockfile: "requirements.txt", tool: "pip_tools" }),
  network: mvm.network({ mode: "bridge", egress: [mvm.hostPort("pypi.org", 443)], dns: mvm.dnsResolver("1.1.1.1") }),
  entrypoint: mvm.entrypointFunction({ module: "app", function: "camel", primary: true }),
})((): string => "ok");

mvm.emitJson();
