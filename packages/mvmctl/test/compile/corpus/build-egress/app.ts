import * as mvm from "mvm-sdk";

// Build-time egress, as app.py in this directory: all four routes give the same bytes. The runtime
// stays closed (mode "none"); only the builder VM may reach the declared hosts, through its proxy.
export const svc = mvm.app({
  name: "fetches-at-build",
  image: mvm.python_image(),
  entrypoint: mvm.entrypoint({ command: ["python3", "-m", "svc"] }),
  before_build: "python3 -m svc.fetch",
  network: mvm.network({
    build_egress: mvm.egress([mvm.host_port("files.example.com", 443), { host: "pypi.org", port: 443 }]),
  }),
})((): void => {});

mvm.emitJson();
