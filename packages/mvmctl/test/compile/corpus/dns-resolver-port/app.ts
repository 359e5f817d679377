import * as mvm from "mvm-sdk";

export const resolver = mvm.app({
  image: mvm.node_image(),
  network: mvm.network({
    mode: "bridge",
    egress: mvm.egress([mvm.host_port("db.example.com", 5432)]),
    dns: mvm.dns_resolver("10.0.0.53", { port: 5353 }),
  }),
})((): void => {});

mvm.emitJson();
