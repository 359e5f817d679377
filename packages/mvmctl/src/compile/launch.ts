// launch.json (spec §5, docs/architecture.md): what build and up need, without secret values and
// in canonical form. Its ir_hash is over the workload with secret refs removed, so rotating which
// secret backs a variable does not change the image. Its shape is contracts/compiled-dir.ts; the
// serialized IR parts are cast to it (they are the IR schemas' output form by construction).
import {
  type App,
  entrypointName,
  HOOK_PHASES,
  irHash,
  type Json,
  networkOut,
  primaryEntrypoint,
  serializeWorkload,
  type Workload,
  withoutSecrets,
} from "@mvm/ir";
import { ARTIFACT_FORMAT_VERSION, type LaunchJson } from "../contracts/compiled-dir.js";
import type { SecretBindings } from "../contracts/secret-refs.js";
import type { Param } from "./signature.js";
import type { SourceBundle } from "./source-bundle.js";

export { ARTIFACT_FORMAT_VERSION };
export const TOOLCHAIN_VERSION = "mvmctl 0.1.0";

function mergedHooks(app: App): LaunchJson["hooks"] {
  const out: LaunchJson["hooks"] = {};
  for (const phase of HOOK_PHASES) {
    // Addon hooks run first, in attachment order, then the app's own.
    const cmds = [...app.addons.flatMap((a) => a.hooks[phase] ?? []), ...(app.hooks[phase] ?? [])];
    if (cmds.length > 0) out[phase] = cmds;
  }
  return out;
}

export function buildLaunch(
  w: Workload,
  bundle: SourceBundle,
  signatures: Record<string, Param[] | null>,
  flakeInputs: LaunchJson["flake_inputs"],
): LaunchJson {
  const app = w.apps[0]!;
  const serialized = serializeWorkload(w) as { apps: Record<string, Json>[] };
  const appJson = serialized.apps[0]!;
  const env: Record<string, string> = {};
  const secrets: SecretBindings = {};
  for (const [k, v] of Object.entries(app.env)) {
    if (v.kind === "literal") env[k] = v.value;
    else {
      const { name, mount, auth_type, allowed_hosts } = v.ref;
      secrets[k] = { name, mount, auth_type, allowed_hosts };
    }
  }
  const primary = primaryEntrypoint(app);
  const entrypoints = appJson.entrypoints as LaunchJson["entrypoints"];
  const sigs: LaunchJson["signatures"] = {};
  for (const [fn, params] of Object.entries(signatures)) sigs[fn] = { params };
  const launch: LaunchJson = {
    artifact_format_version: ARTIFACT_FORMAT_VERSION,
    ir_hash: irHash(withoutSecrets(w)),
    ir_schema_version: w.schema_version,
    toolchain_version: TOOLCHAIN_VERSION,
    workload_id: w.id,
    app: app.name,
    image: appJson.image as LaunchJson["image"],
    resources: appJson.resources as LaunchJson["resources"],
    entrypoint: entrypoints[app.entrypoints.indexOf(primary)]!,
    primary: entrypointName(primary),
    entrypoints,
    env,
    secrets,
    mounts: appJson.mounts as LaunchJson["mounts"],
    network: networkOut(app.network) as LaunchJson["network"],
    source: {
      kind: "local_path",
      subdir: "src",
      file_count: bundle.entries.length,
      tree_hash: bundle.treeHash,
    },
    threat_tier: app.threat_tier,
    addons: app.addons.map((a) => a.name),
    hooks: mergedHooks(app),
    files: (appJson.files ?? []) as LaunchJson["files"],
    signatures: sigs,
    // The flake inputs flake.nix was generated with, so the Nix build's inputs can be reviewed here.
    flake_inputs: flakeInputs,
  };
  if (app.dependencies && app.dependencies.kind !== "none") launch.dependencies = app.dependencies;
  return launch;
}
