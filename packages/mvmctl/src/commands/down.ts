// `mvmctl down`: run before_stop (best effort), stop the VM, remove the instance's state.
import { Command } from "commander";
import { createReporter, silentReporter } from "../cli/reporter.js";

export function downCommand(): Command {
  return new Command("down")
    .description(
      "Stop an instance (running before_stop first) and remove its state; also cleans up failed instances",
    )
    .argument("[name]", "instance name")
    .option("--all", "stop every instance")
    .option("--grace <duration>", "time the guest gets for before_stop and power-off", "10s")
    .option("--json", "print what was stopped as JSON")
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
The guest's own shutdown output (before_stop) is shown as progress.

Examples:
  mvmctl down hello
  mvmctl down --all`,
    )
    .action(
      async (
        name: string | undefined,
        o: { all?: boolean; grace: string; json?: boolean; quiet?: boolean },
      ) => {
        const { down, downAll } = await import("../runtime/index.js");
        const { parseDurationMs } = await import("./duration.js");
        const { mvmHome } = await import("../home.js");
        const { MvmError } = await import("@mvm/ir/errors");
        if (Boolean(name) === Boolean(o.all)) {
          throw new MvmError("E_USAGE", "give an instance name or --all (not both)", {
            hint: "mvmctl down hello | mvmctl down --all",
            exitCode: 2,
          });
        }
        const reporter = o.json || o.quiet ? silentReporter : createReporter();
        const graceMs = parseDurationMs(o.grace, "--grace");
        const t0 = performance.now();
        reporter.stageStart("down");
        const results = o.all
          ? await downAll({ home: mvmHome(), graceMs, reporter })
          : [await down({ home: mvmHome(), name: name as string, graceMs, reporter })];
        reporter.stageEnd("down", performance.now() - t0);
        if (o.json) process.stdout.write(`${JSON.stringify({ ok: true, stopped: results })}\n`);
        else for (const r of results) process.stderr.write(`${r.name} is down (${r.how})\n`);
      },
    );
}
