// `mvmctl logs`: the guest console (kernel, mvm-init, agent and hook output).
import { Command } from "commander";

export function logsCommand(): Command {
  return new Command("logs")
    .description("Show an instance's guest console log (kernel, init, agent and hook output)")
    .argument("<name>", "instance name")
    .option("-f, --follow", "keep printing new lines until the instance goes away (Ctrl-C to stop)")
    .option("-n, --lines <n>", "how many of the last lines to show first", "50")
    .option("--json", "one JSON object per line: {line}")
    .option(
      "--egress",
      "what left the instance instead, by time: egress proxy decisions (bridge) and web_fetch/web_search with released secret names (JSON lines)",
    )
    .option(
      "--inbound",
      "inbound connections through the port forwards instead (JSON lines: time, peer, mapping_id, bytes_in, bytes_out)",
    )
    .addHelpText(
      "after",
      `
Examples:
  mvmctl logs hello
  mvmctl logs hello -n 200
  mvmctl logs hello -f
  mvmctl logs hello --egress              # every egress connection and web_fetch, and which secrets were released
  mvmctl logs web --inbound -f            # each connection to a forwarded port, as it closes`,
    )
    .action(
      async (
        name: string,
        o: { follow?: boolean; lines: string; json?: boolean; egress?: boolean; inbound?: boolean },
      ) => {
        const { logs } = await import("../runtime/index.js");
        const { mvmHome } = await import("../home.js");
        const { MvmError } = await import("@mvm/ir/errors");
        const lines = Number(o.lines);
        if (!Number.isInteger(lines) || lines < 0)
          throw new MvmError("E_USAGE", `--lines must be a whole number, got "${o.lines}"`, { exitCode: 2 });
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once("SIGINT", stop);
        try {
          await logs({
            home: mvmHome(),
            name,
            lines,
            egress: o.egress,
            inbound: o.inbound,
            follow: o.follow,
            signal: ac.signal,
            write: (l) => process.stdout.write(o.json ? `${JSON.stringify({ line: l })}\n` : `${l}\n`),
          });
        } finally {
          process.off("SIGINT", stop);
        }
      },
    );
}
