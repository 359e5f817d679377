// The runtime stage's front module: image -> running instance, and the verbs that talk to it. The
// CLI reaches the runtime only through here (scripts/lint-layers.mjs).

export type { InstanceNetwork } from "../contracts/instance-state.js";
export { runBuilderVm } from "./builder-vm.js";
export { down, downAll } from "./down.js";
export { fsList, fsMkdir, fsMove, fsRead, fsRemove, fsStat, fsWrite } from "./fs.js";
export { exec } from "./guest-exec.js";
export { invoke } from "./invoke.js";
export { payloadFromInputs, payloadFromStdin } from "./invoke-input.js";
export { logs } from "./logs.js";
export { parsePortOverrides } from "./network/ports.js";
export { formatPsTable, ps } from "./ps.js";
export { snapshotInstance } from "./snapshot-verb.js";
export { boot } from "./up.js";
export { kvmPrecheck, probeKvm } from "./vmm/kvm-probe.js";
export { findQemu } from "./vmm/qemu.js";
