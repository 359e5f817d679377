// `mvmctl doctor`: run the host checks and render them.
import { Command } from "commander";
import pc from "picocolors";

export function doctorCommand(): Command {
  return new Command("doctor")
    .description(
      "Check this host: tools (qemu, kvm/tcg, mmdebstrap, TypeScript runner...), the store, security settings",
    )
    .option("--json", "print the checks as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  mvmctl doctor\n  mvmctl doctor --json | jq '.checks[] | select(.status != \"ok\")'",
    )
    .action(async (o: { json?: boolean }) => {
      const { runChecks } = await import("./doctor-checks.js");
      const checks = await runChecks();
      const failed = checks.some((c) => c.status === "fail" && c.required);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ok: !failed, checks })}\n`);
      } else {
        for (const section of ["Tools", "Store", "Security"] as const) {
          process.stdout.write(`${pc.bold(section)}\n`);
          for (const c of checks.filter((x) => x.section === section)) {
            const mark =
              c.status === "ok" ? pc.green("ok  ") : c.status === "warn" ? pc.yellow("warn") : pc.red("fail");
            process.stdout.write(`  ${mark} ${c.name.padEnd(18)} ${c.detail}\n`);
            if (c.hint && c.status !== "ok") process.stdout.write(`       ${pc.cyan("hint")}: ${c.hint}\n`);
          }
        }
      }
      if (failed) process.exitCode = 1;
    });
}
