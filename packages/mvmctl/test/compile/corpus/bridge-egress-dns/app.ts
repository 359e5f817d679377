import * as mvm from "mvm-sdk";

export const fetcher = mvm.app({
  image: mvm.node_image(),
  network: mvm.network({
    mode: "bridge",
    egress: mvm.egress([mvm.host_port("api.openai.com", 443), mvm.hostPort("example.com", 8443)]),
    dns: mvm.dns_system(),
  }),
})((url: string) => url);

mvm.emitJson();
