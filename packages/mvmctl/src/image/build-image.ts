// The build stage's entry point: compiled dir or .tgz -> image in the content-addressed store.
// Cache first (same inputs hash -> the stored image, in seconds), else a build in a private dir
// under images/ that is renamed into place only when complete.
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson, sha256Hex } from "@mvm/ir";
import {
  COPIED_FROM_COMPILED,
  IMAGE_FILES,
  IMAGE_FORMAT_VERSION,
  type ImageManifest,
  imageDir,
  writeImageManifest,
} from "../contracts/image-manifest.js";
import { sha256File } from "../lib/file-hash.js";
import { chooseBackend } from "./backend-choice.js";
import { buildDebian, type DebianPlan, planDebian } from "./backends/debian/backend.js";
import { buildNix } from "./backends/nix/backend.js";
import { toolWheelKey } from "./deps/tool-wheels.js";
import { agentArtifacts } from "./guest/agent-artifacts.js";
import { resolveKernel } from "./guest/kernel.js";
import { runtimeJson } from "./guest/runtime-json.js";
import { openInput } from "./input.js";
import { inputsHash } from "./inputs-hash.js";
import { commitImage, ensureStore, lookupByInputs, newBuildDir, sweepStaleBuilds } from "./store.js";
import type { BuildOptions, BuildResult } from "./types.js";

export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const { reporter, home } = opts;
  const started = Date.now();
  reporter.stageStart("build");
  await ensureStore(home);
  await sweepStaleBuilds(home);
  const input = await openInput(opts.input);
  try {
    const { launch } = input;
    const choice = await chooseBackend(opts.backend);
    reporter.step(`backend: ${choice.backend}${choice.reason ? ` (${choice.reason})` : ""}`);
    const agent = await agentArtifacts();

    // Package resolution comes before anything slow, so an unknown attribute or a --strict
    // refusal fails in milliseconds; substitution warnings show on cache hits too.
    let plan: DebianPlan = { resolutions: [], debs: [], warnings: [], wheels: [] };
    if (choice.backend === "debian") {
      plan = planDebian(launch, opts.strict ?? false);
      for (const w of plan.warnings) reporter.warn(w);
    }
    reporter.step(opts.kernel ? `kernel: ${opts.kernel}` : "kernel: pinned Debian cloud kernel");
    const kernel = await resolveKernel(home, opts.kernel);

    const hash = await inputsHash({
      compiledDir: input.dir,
      agent,
      kernelSha256: kernel.sha256,
      backend: choice.backend,
      debs: plan.debs,
      toolWheels: plan.wheels.map(toolWheelKey),
      strict: opts.strict ?? false,
      production: opts.production ?? false,
      buildEgress: launch.network?.build_egress?.allowlist,
    });
    if (!opts.force) {
      const hit = await lookupByInputs(home, hash);
      if (hit) {
        reporter.step(`cache hit: inputs ${hash.slice(0, 12)} -> image ${hit.digest.slice(0, 12)}`);
        reporter.stageEnd("build", Date.now() - started);
        return {
          digest: hit.digest,
          dir: imageDir(home, hit.digest),
          cached: true,
          image: hit,
          warnings: plan.warnings,
        };
      }
    }

    const buildDir = await newBuildDir(home);
    const outDir = join(buildDir, "out");
    const workDir = join(buildDir, "work");
    try {
      await mkdir(outDir);
      await mkdir(workDir);
      let packages: ImageManifest["packages"] = [];
      let resolution: ImageManifest["resolution"] = [];
      const warnings = [...plan.warnings];
      if (choice.backend === "debian") {
        const out = await buildDebian({
          launch,
          compiledDir: input.dir,
          outDir,
          workDir,
          plan,
          kernel,
          agent,
          inputsHash: hash,
          home,
          reporter,
          production: opts.production,
          builder: opts.builder,
          timeoutMs: opts.timeoutMs,
        });
        packages = out.packages;
        resolution = out.resolution;
        warnings.push(...out.warnings);
      } else {
        await buildNix({ compiledDir: input.dir, outDir, reporter });
      }
      // The work dir (a full staged root) is not part of the image.
      await rm(workDir, { recursive: true, force: true });
      for (const f of COPIED_FROM_COMPILED) await copyFile(join(input.dir, f), join(outDir, f));

      reporter.step("hashing image files");
      const files: Record<string, string> = {};
      const sizes: Record<string, number> = {};
      for (const f of Object.values(IMAGE_FILES)) {
        files[f] = await sha256File(join(outDir, f));
        sizes[f] = (await stat(join(outDir, f))).size;
      }
      const digest = sha256Hex(canonicalJson(files));
      const rt = runtimeJson(launch, { production: opts.production });
      const image: ImageManifest = {
        image_format_version: IMAGE_FORMAT_VERSION,
        digest,
        inputs_hash: hash,
        ir_hash: launch.ir_hash,
        workload_id: launch.workload_id,
        app: launch.app,
        backend: choice.backend,
        kernel: {
          version: kernel.release,
          package: `${kernel.package}=${kernel.version}`,
          sha256: kernel.sha256,
        },
        files,
        packages,
        resolution,
        resources: launch.resources,
        network: launch.network,
        entrypoints: rt.entrypoints,
        primary: rt.primary,
        dev: rt.dev,
        // The runtime reads secret refs from here, never from the copied launch.json.
        secrets: launch.secrets,
        built_at: new Date().toISOString(),
        build_ms: Date.now() - started,
        sizes,
      };
      await writeImageManifest(outDir, image);
      const dir = await commitImage(home, outDir, image);
      reporter.step(`image ${digest}`);
      reporter.stageEnd("build", Date.now() - started);
      return { digest, dir, cached: false, image, warnings };
    } finally {
      await rm(buildDir, { recursive: true, force: true });
    }
  } finally {
    await input.cleanup();
  }
}
