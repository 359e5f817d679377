// The build stage's public surface.
export { buildImage } from "./build-image.js";
export { agentArtifacts } from "./agent-artifacts.js";
export { KERNEL_PIN } from "./kernel-pin.js";
export type { BuildOptions, BuildResult, ImageJson, Reporter } from "./types.js";
