// The compile stage: any input -> validated Workload IR -> staged directory or deterministic .tgz.
import { realpath } from "node:fs/promises";
import path from "node:path";
import {
  canonicalJson,
  type Diagnostic,
  irHash,
  MvmError,
  type Workload,
  workloadCanonicalJson,
} from "@mvm/ir";
import { mvmHome } from "../home.js";
import type { Reporter } from "../lib/progress.js";
import { analyze, failOnErrors } from "./analyze.js";
import { mvmFlakeUrl, nixpkgsUrl, renderFlake } from "./flake.js";
import { checkFunctions } from "./functions.js";
import { type CompileInput, readCompileInput } from "./input.js";
import { buildLaunch } from "./launch.js";
import { checkLockfile } from "./lockfiles.js";
import { outputTree } from "./output-tree.js";
import { collectSource } from "./source-bundle.js";
import { resolveSourceRoot, sourcePolicy } from "./source-root.js";
import { isArchivePath, writeArchive } from "./write-archive.js";
import { writeDirectory } from "./write-directory.js";

/** `out` with its parent resolved through links: how the source walk (from realpaths) meets it. */
async function realOut(out: string): Promise<string> {
  try {
    return path.join(await realpath(path.dirname(out)), path.basename(out));
  } catch {
    return out;
  }
}

export interface CompileOptions {
  entry?: string;
  fromIr?: string;
  fromRecording?: string;
  /** Output directory, or a .tgz / .tar.gz path. Default ./out. */
  out?: string;
  cwd?: string;
  /** Extra directories sources may come from (--source-root), besides the project directory. */
  sourceRoots?: string[];
  /** $MVM_HOME, never bundled. Default mvmHome(). */
  home?: string;
  reporter: Reporter;
  /**
   * Never auto-run a Sandbox script (--no-auto-run); MVM_NO_AUTO_RUN=1 in the environment does the
   * same whatever this says, so CI can turn auto-run off for every compile.
   */
  noAutoRun?: boolean;
  /** Runs a record-mode script (spawned on the host). Injected so compile stays testable. */
  runRecordScript?: (input: CompileInput, reporter: Reporter) => Promise<CompileInput>;
}

export interface CompileResult {
  ir: Workload;
  irHash: string;
  out: string;
  outKind: "directory" | "archive";
  files: string[];
  diagnostics: Diagnostic[];
}

/** MVM_NO_AUTO_RUN: anything but unset, empty, 0, false, no or off turns auto-run off. */
export function autoRunDisabledByEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env.MVM_NO_AUTO_RUN?.trim().toLowerCase();
  return v !== undefined && v !== "" && !["0", "false", "no", "off"].includes(v);
}

export async function compile(opts: CompileOptions): Promise<CompileResult> {
  const cwd = opts.cwd ?? process.cwd();
  const t0 = performance.now();
  const r = opts.reporter;
  r.stageStart("compile");
  let input = await readCompileInput({
    entry: opts.entry,
    fromIr: opts.fromIr,
    fromRecording: opts.fromRecording,
    cwd,
  });
  r.step(`reading ${input.file} (${input.kind})`);
  let analysis = await analyze(input);
  if (analysis.recordMode) {
    if (opts.noAutoRun || autoRunDisabledByEnv(process.env)) {
      throw new MvmError(
        "E_AUTORUN_REFUSED",
        `${input.file} has no mvm.app declaration and calls Sandbox.create: it would run ON THIS HOST in record mode, and auto-run is off (${opts.noAutoRun ? "--no-auto-run" : "MVM_NO_AUTO_RUN"})`,
        { location: { file: input.file } },
      );
    }
    if (!opts.runRecordScript) {
      throw new MvmError("E_NO_DECLARATION", `${input.file} has no mvm.app declaration`, {
        location: { file: input.file },
      });
    }
    input = await opts.runRecordScript(input, r);
    analysis = await analyze(input);
  }
  failOnErrors(analysis.diagnostics, `compile of ${input.file}`);
  const w = analysis.workload!;
  const diagnostics = [...analysis.diagnostics];
  const app = w.apps[0]!;
  if (app.source.kind !== "local_path")
    throw new MvmError("E_SOURCE_KIND_DEFERRED", "only local_path sources are supported");

  const out = path.resolve(cwd, opts.out ?? "out");
  const archive = isArchivePath(out);
  // The project directory is input.baseDir: the declaration's (or IR/recording file's) directory,
  // or cwd for stdin. A source must resolve inside it or a --source-root (source-root.ts).
  const policy = await sourcePolicy({
    projectDir: input.baseDir,
    sourceRoots: opts.sourceRoots ?? [],
    home: opts.home ?? mvmHome(),
    cwd,
  });
  const root = await resolveSourceRoot(
    app.source.path,
    path.resolve(input.baseDir, app.source.path),
    policy,
    ".apps[0].source",
  );
  r.step(`bundling source ${path.relative(cwd, root) || "."}`);
  const bundle = await collectSource({
    root,
    include: app.source.include,
    exclude: app.source.exclude,
    skip: [out, await realOut(out)],
    irPath: ".apps[0].source",
    forbidden: policy.forbidden,
    warn: (m) => r.warn(m),
  });
  const fnCheck = await checkFunctions(app, bundle, ".apps[0]");
  const lockDiags = await checkLockfile(app.dependencies, bundle, ".apps[0].dependencies");
  const sourceDiags = [...fnCheck.diagnostics, ...lockDiags].map((d) =>
    d.location ? d : { ...d, location: { file: input.file } },
  );
  failOnErrors(sourceDiags, `compile of ${input.file}`);
  for (const d of diagnostics) if (d.severity === "warning") r.warn(`[${d.code}] ${d.detail}`);

  const inputs = { mvm: mvmFlakeUrl(), nixpkgs: nixpkgsUrl() };
  const launch = buildLaunch(w, bundle, fnCheck.signatures, inputs);
  const files = {
    "workload.json": workloadCanonicalJson(w),
    "launch.json": canonicalJson(launch),
    "flake.nix": renderFlake({ workloadId: w.id, mvmUrl: inputs.mvm, nixpkgsUrl: inputs.nixpkgs }),
  };
  const tree = outputTree(files, bundle.entries);
  r.step(`writing ${archive ? "archive" : "directory"} ${path.relative(cwd, out) || out}`);
  if (archive) await writeArchive(tree, out);
  else await writeDirectory(tree, out);
  r.stageEnd("compile", performance.now() - t0);
  return {
    ir: w,
    irHash: irHash(w),
    out,
    outKind: archive ? "archive" : "directory",
    files: tree.map((e) => e.path),
    diagnostics,
  };
}
