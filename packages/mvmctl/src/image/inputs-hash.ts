// The inputs hash: everything that decides an image's bytes, hashed canonically. Same hash ->
// cache hit. It covers every file of the compiled dir, the agent and runners, the kernel, the
// backend, the resolved Debian package set and the builder's own format version.
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson, sha256Hex } from "@mvm/ir";
import { sha256File } from "../lib/file-hash.js";
import type { AgentArtifacts } from "./guest/agent-artifacts.js";
import { irNodeDir } from "./guest/sdks.js";

/** Bump when a change to the builder changes image bytes for the same inputs. */
export const BUILDER_FORMAT = 5; // 3: bridge images carry the egress proxy env; 4: build-time code in the builder VM; 5: device conditions in /etc/mvm/modules

/** path -> "mode sha256" (or "link target") for every entry under dir, sorted. */
export async function treeDigest(dir: string, rel = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const p = join(dir, r);
    if (e.isDirectory()) Object.assign(out, await treeDigest(dir, r));
    else if (e.isSymbolicLink()) out[r] = `link ${await readlink(p)}`;
    else {
      const mode = (await lstat(p)).mode & 0o111 ? "x" : "-";
      out[r] = `${mode} ${sha256Hex(await readFile(p))}`;
    }
  }
  return out;
}

export interface InputsHashParts {
  compiledDir: string;
  agent: AgentArtifacts;
  kernelSha256: string;
  backend: string;
  debs: string[];
  /** Pinned tool wheels (tool-wheels.ts), as "attr==version sha256:…". */
  toolWheels?: string[];
  strict: boolean;
  production: boolean;
  /** network.build_egress's grants: what build-time code may reach changes what a build may do. */
  buildEgress?: { host: string; port: number }[];
}

export async function inputsHash(p: InputsHashParts): Promise<string> {
  return sha256Hex(
    canonicalJson({
      builder: BUILDER_FORMAT,
      backend: p.backend,
      strict: p.strict,
      production: p.production,
      compiled: await treeDigest(p.compiledDir),
      agent: await sha256File(p.agent.agent),
      runner_py: await sha256File(p.agent.runnerPy),
      runner_mjs: await sha256File(p.agent.runnerMjs),
      sdk_python: await treeDigest(p.agent.sdkPython),
      sdk_node: await treeDigest(join(p.agent.sdkNode, "dist")),
      ir_node: await treeDigest(join(irNodeDir(p.agent.sdkNode), "dist")),
      kernel: p.kernelSha256,
      debs: [...p.debs].sort(),
      // Only present when used, so images without pinned wheels keep their inputs hash.
      ...(p.toolWheels?.length ? { tool_wheels: [...p.toolWheels].sort() } : {}),
      // Likewise only when declared: the grants the builder's egress proxy allows.
      ...(p.buildEgress?.length ? { build_egress: p.buildEgress.map((g) => `${g.host}:${g.port}`) } : {}),
      // Locked deps come from the network or a wheelhouse; a different wheelhouse is a new input.
      wheelhouse: process.env.MVM_WHEELHOUSE ?? null,
      // Overridden flake inputs build a different image from the same compiled dir.
      nix_overrides: p.backend === "nix" ? (process.env.MVM_NIX_OVERRIDE_INPUTS ?? null) : null,
    }),
  );
}
