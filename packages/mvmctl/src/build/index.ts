// The build stage's public surface.

export { agentArtifacts } from "./agent-artifacts.js";
export { buildImage } from "./build-image.js";
export { KERNEL_PIN } from "./kernel-pin.js";
export type { BuildOptions, BuildResult, ImageJson, Reporter } from "./types.js";
