// `mvmctl build`: parse flags, call the build stage, render the digest and the resolution table.
import { Command, Option } from "commander";
import { createReporter, silentReporter } from "../cli/reporter.js";
import { mvmHome } from "../home.js";
import { parseDurationMs } from "./duration.js";

export function buildCommand(): Command {
  return new Command("build")
    .description("Build a compiled directory or .tgz into a microVM image in the content-addressed store")
    .argument("<compiled>", "directory or .tgz written by `mvmctl compile`")
    .addOption(
      new Option("--backend <name>", "debian or nix (default: nix when usable, else debian)").choices([
        "debian",
        "nix",
      ]),
    )
    .option("--strict", "refuse package version substitutions instead of warning")
    .option("--force", "rebuild even when the store has an image for these inputs")
    .option("--kernel <path>", "use this kernel (.deb or vmlinuz) instead of the pinned Debian cloud kernel")
    .option(
      "--production",
      "a production image: the guest agent refuses `mvmctl exec` (default: a dev image)",
    )
    .option(
      "--timeout <duration>",
      "time limit for build-time code in the builder VM (boot, npm install scripts, before_build hooks): 90s, 10m",
      "30m",
    )
    .option("--json", "print a JSON summary (with the digest) on stdout")
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
The image lands in $MVM_HOME/images/<digest>/ (kernel, initramfs, read-only ext4 rootfs,
image.json). The same inputs are a cache hit; --force rebuilds and gives the same digest.
Build-time code (before_build hooks, npm install scripts) runs in a builder microVM, never on
this host, with no network unless the workload declares network(build_egress=...): then only
those hosts, through a per-build egress proxy. A workload without any skips the builder.

Examples:
  mvmctl build /tmp/hello
  mvmctl build /tmp/hello.tgz --json | jq -r .digest
  mvmctl build /tmp/hello --production        # the guest agent refuses exec
  mvmctl build /tmp/hello --strict            # python312 on Debian bookworm (3.11) is an error
  mvmctl build /tmp/hello --force             # rebuild; same inputs give the same digest
  mvmctl build /tmp/hello --kernel ./linux-image-6.1.0-50-cloud-amd64_6.1.176-1_amd64.deb`,
    )
    .action(
      async (
        compiled: string,
        o: {
          backend?: "debian" | "nix";
          strict?: boolean;
          force?: boolean;
          kernel?: string;
          production?: boolean;
          json?: boolean;
          quiet?: boolean;
          timeout: string;
        },
      ) => {
        const timeoutMs = parseDurationMs(o.timeout);
        const { buildImage } = await import("../image/index.js");
        const { runBuilderVm } = await import("../runtime/index.js");
        const reporter = o.quiet ? silentReporter : createReporter();
        const res = await buildImage({
          input: compiled,
          home: mvmHome(),
          backend: o.backend,
          strict: o.strict,
          force: o.force,
          kernel: o.kernel,
          production: o.production,
          builder: runBuilderVm,
          timeoutMs,
          reporter,
        });
        const img = res.image;
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({
              ok: true,
              digest: res.digest,
              dir: res.dir,
              cached: res.cached,
              workload_id: img.workload_id,
              backend: img.backend,
              inputs_hash: img.inputs_hash,
              kernel: img.kernel,
              resolution: img.resolution,
              sizes: img.sizes,
              build_ms: img.build_ms,
              warnings: res.warnings,
            })}\n`,
          );
          return;
        }
        const rows = img.resolution.map((r) => [
          r.requested,
          `${r.provided} ${r.version}`,
          r.substituted ? "substituted" : "",
        ]);
        if (rows.length) {
          const w0 = Math.max(9, ...rows.map((r) => r[0]?.length ?? 0));
          process.stderr.write(`${"requested".padEnd(w0)}  provided\n`);
          for (const r of rows)
            process.stderr.write(`${(r[0] ?? "").padEnd(w0)}  ${r[1]}${r[2] ? `  (${r[2]})` : ""}\n`);
        }
        process.stderr.write(`image ${res.cached ? "(cached) " : ""}${res.dir}\n`);
        process.stdout.write(`${res.digest}\n`);
      },
    );
}
