import * as mvm from "mvm-sdk";

export const wrapped = mvm.app({
  name: "wrapped" as const,
  image: mvm.nix_packages(["nodejs_22"] as const),
  resources: mvm.resources({ cpu: (2), memory_mb: 1024 satisfies number }),
  env: { MODE: <string>"prod", LEVEL: ("debug") as string },
})((n: number): number => n);

mvm.emitJson();
