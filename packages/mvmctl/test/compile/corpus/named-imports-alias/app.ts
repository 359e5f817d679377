import { app as declare, emitJson, localPath as lp, nixPackages, resources as res } from "mvm-sdk";

export const tool = declare({
  name: "aliased",
  source: lp(".", { include: ["app.ts"] }),
  image: nixPackages(["nodejs_22"]),
  resources: res({ cpu_cores: 2, memory_mb: 512 }),
})((x: number) => x * 2);

emitJson();
