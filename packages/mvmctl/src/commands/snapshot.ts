// `mvmctl snapshot NAME`: save a running instance's guest so `up --snapshot ID` can resume it.
import { Command } from "commander";
import { createReporter, silentReporter } from "../cli/reporter.js";

export function snapshotCommand(): Command {
  return new Command("snapshot")
    .description("Save a running instance's guest as a snapshot that `up --snapshot ID` resumes")
    .argument("<name>", "instance name")
    .option("--json", "print the snapshot as JSON on stdout")
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
The guest pauses while its memory is written next to its image
($MVM_HOME/images/<digest>/snapshots/<id>/), then continues. A restored instance is new: fresh
kernel entropy, the host's clock, no warm runners, its own secret tokens. It must be started with
the same machine (image, QEMU, accelerator, CPU model, memory, vCPUs, network, devices), else up
refuses it with E_SNAPSHOT_MISMATCH. \`up\` already saves a ready snapshot on an image's first boot.

Examples:
  mvmctl snapshot hello
  id=$(mvmctl snapshot hello --json | jq -r .id)
  mvmctl up hello-app --name hello2 --snapshot "$id"`,
    )
    .action(async (name: string, o: { json?: boolean; quiet?: boolean }) => {
      const { snapshotInstance } = await import("../runtime/index.js");
      const { mvmHome } = await import("../home.js");
      const reporter = o.json || o.quiet ? silentReporter : createReporter();
      const m = await snapshotInstance(mvmHome(), name, reporter);
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: true, id: m.id, digest: m.digest, source: m.source, key: m.key, state_bytes: m.state_bytes, save_ms: m.save_ms })}\n`,
        );
      } else {
        process.stdout.write(
          `snapshot ${m.id} of ${name} saved (${Math.round(m.state_bytes / 2 ** 20)} MiB in ${(m.save_ms / 1000).toFixed(2)}s); resume it with \`mvmctl up ${m.digest.slice(0, 12)} --snapshot ${m.id}\`\n`,
        );
      }
    });
}
