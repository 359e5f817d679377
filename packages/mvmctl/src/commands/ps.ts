// `mvmctl ps`: instances with status (a VM that died shows as failed).
import { Command } from "commander";

export function psCommand(): Command {
  return new Command("ps")
    .description("List instances: NAME WORKLOAD STATUS ACCEL CPUS MEMORY UPTIME PORTS START")
    .option("--json", "print one JSON array of instances")
    .addHelpText(
      "after",
      `
STATUS is starting, running, stopping or failed (the VM exited or never became ready);
\`mvmctl down <name>\` cleans up a failed instance.
PORTS lists the port forwards as host_addr:host->guest (\`ps --json\`: .ports[]).
START is "restored" (resumed from a snapshot) or "cold" (booted); \`ps --json\`: .snapshot.

Examples:
  mvmctl ps
  mvmctl ps --json | jq -r '.[] | select(.status == "failed") | .name'
  mvmctl ps --json | jq -r '.[] | .ports[] | "\\(.host_addr):\\(.host)"'`,
    )
    .action(async (o: { json?: boolean }) => {
      const { ps, formatPsTable } = await import("../runtime/index.js");
      const { mvmHome } = await import("../home.js");
      const rows = await ps(mvmHome());
      if (o.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(`${formatPsTable(rows)}\n`);
    });
}
