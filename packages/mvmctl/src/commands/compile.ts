// `mvmctl compile`: parse flags, call the compile stage, render the result.
import { Command } from "commander";
import { closeReporter, createReporter, type Reporter, silentReporter } from "../cli/reporter.js";

export function compileCommand(): Command {
  return new Command("compile")
    .description("Compile a declaration, Workload IR or recording into a staged build directory or .tgz")
    .argument(
      "[entry]",
      "app.py / app.ts (.mts .cts .tsx) declaration, workload .json, a Sandbox script, or - for IR on stdin",
    )
    .option("-o, --out <path>", "output directory, or an archive path ending in .tgz / .tar.gz", "out")
    .option("--from-ir <file>", "read Workload IR JSON from a file (- for stdin)")
    .option("--from-recording <file>", "lower a runtime recording JSON")
    .option(
      "--source-root <dir>",
      "also allow local_path sources under DIR (repeatable); default: only the project directory",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--json", "print a JSON summary on stdout")
    .option(
      "-q, --quiet",
      "no progress output (the warning before a script runs on this host is still printed)",
    )
    .option(
      "--no-auto-run",
      "never run a Sandbox script on this host in record mode (also MVM_NO_AUTO_RUN=1); such a file is refused with E_AUTORUN_REFUSED",
    )
    .addHelpText(
      "after",
      `
The host never imports or runs a declaration file: it is parsed and the literal declaration is
extracted. Only a script that provably does not use the declaration API in any form and calls
Sandbox.create(...) is run, in record mode, and mvmctl says so first on stderr (even with -q and
--json). A file it cannot classify is refused (E_DECLARATION_UNRECOGNISED), never run.
--no-auto-run or MVM_NO_AUTO_RUN=1 turns auto-run off (E_AUTORUN_REFUSED).

local_path sources must resolve (after following links) inside the project directory: the
declaration's directory, the IR file's directory, or the current directory for IR on stdin.
--source-root DIR allows another directory; /proc, /sys, /dev and $MVM_HOME are never bundled.

Examples:
  mvmctl compile app.py --out /tmp/hello
  mvmctl compile app.ts --out /tmp/hello.tgz
  mvmctl compile --from-ir workload.json --out /tmp/agent-tool
  cat workload.json | mvmctl compile - --out /tmp/agent-tool
  mvmctl compile --from-recording recording.json --out /tmp/etl
  mvmctl compile script.ts --out /tmp/etl       # no declaration: runs in record mode
  MVM_NO_AUTO_RUN=1 mvmctl compile app.py       # CI: never run anything
  mvmctl compile app.py --json | jq .ir_hash
  mvmctl compile app.py --source-root ../shared --out /tmp/hello   # local_path("../shared/lib")`,
    )
    .action(
      async (
        entry: string | undefined,
        o: {
          out: string;
          fromIr?: string;
          fromRecording?: string;
          sourceRoot: string[];
          autoRun?: boolean;
          json?: boolean;
          quiet?: boolean;
        },
      ) => {
        const { compile, runRecordScript } = await import("../compile/index.js");
        const reporter = o.json || o.quiet ? silentReporter : createReporter();
        // The warning that a script is about to run ON THIS HOST is never silenced: on stderr, so
        // --json's stdout stays one JSON document.
        const loud: Reporter =
          reporter === silentReporter
            ? { ...silentReporter, warn: (m) => process.stderr.write(`warning: ${m}\n`) }
            : reporter;
        try {
          const res = await compile({
            entry,
            fromIr: o.fromIr,
            fromRecording: o.fromRecording,
            out: o.out,
            sourceRoots: o.sourceRoot,
            reporter,
            noAutoRun: o.autoRun === false,
            runRecordScript: (input) => runRecordScript(input, loud),
          });
          const warnings = res.diagnostics.filter((d) => d.severity === "warning");
          if (o.json) {
            process.stdout.write(
              `${JSON.stringify({ ok: true, kind: res.outKind, out: res.out, ir_hash: res.irHash, workload_id: res.ir.id, files: res.files, warnings })}\n`,
            );
          } else {
            process.stderr.write(`compiled ${res.outKind}: ${res.out}\n`);
          }
        } finally {
          closeReporter(reporter);
        }
      },
    );
}
