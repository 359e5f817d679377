// The image stage's front module (`mvmctl build`): compiled dir -> image in the store. The CLI
// reaches the image stage only through here (scripts/lint-layers.mjs).

export { buildImage } from "./build-image.js";
export { agentArtifacts, agentDir } from "./guest/agent-artifacts.js";
export { cachedPinnedVmlinuz } from "./guest/kernel.js";
export { KERNEL_PIN } from "./guest/kernel-pin.js";
export type { BuildOptions, BuildResult, Reporter } from "./types.js";
