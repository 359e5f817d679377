// What the auto-run classifiers (classify-python.ts, classify-ts.ts) share: the Sandbox API each
// SDK exports (the only part of mvm an auto-run script may touch), and the shape of a finding.
import type { Location } from "@mvm/ir";

/** The Python SDK's Sandbox API: everything else `mvm` exports is the declaration API. */
export const PY_SANDBOX_API = new Set([
  "Sandbox",
  "SandboxLiveError",
  "SandboxModeError",
  "SandboxNotFoundError",
  "SandboxTimeoutError",
  "SandboxUnsupportedError",
  "ExecResult",
  "StartedCommand",
  "MvmError",
]);

/** mvm-sdk's Sandbox API (values; type-only imports are erased and always allowed). */
export const TS_SANDBOX_API = new Set([
  "Sandbox",
  "sdkMode",
  "LiveError",
  "MvmError",
  "NotFoundError",
  "SdkModeError",
  "TimeoutError",
  "UnsupportedError",
]);

export interface Finding {
  /** declaration: the file reaches the declaration API; dynamic: it reaches mvm (or could) in a way the analysis cannot follow. */
  kind: "declaration" | "dynamic";
  location: Location;
  detail: string;
  hint: string;
}

export interface ClassifyResult {
  findings: Finding[];
  /** True when the file calls Sandbox.create (the Sandbox bound by an mvm import). */
  usesSandbox: boolean;
  /** Absolute paths of local files the file imports; they are classified too. */
  locals: string[];
}

const RECORD_YOURSELF =
  "or record it yourself where running it is acceptable (MVM_SDK_MODE=record MVM_SDK_OUT_PATH=rec.json <run the script>) and compile --from-recording rec.json";

export function findingHint(kind: Finding["kind"]): string {
  return kind === "declaration"
    ? `a file that declares is never run: write the declaration in the supported literal form (@mvm.app(...) after \`import mvm\`; mvm.app({...})(fn) after \`import * as mvm from "mvm-sdk"\`), ${RECORD_YOURSELF}`
    : `compile cannot prove this file does not declare, so it is not run: reach mvm only as mvm.Sandbox / \`from mvm import Sandbox\` (\`import { Sandbox } from "mvm-sdk"\`) and drop the dynamic construct, ${RECORD_YOURSELF}`;
}
