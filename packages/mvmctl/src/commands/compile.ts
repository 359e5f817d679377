// `mvmctl compile`: parse flags, call the compile stage, render the result.
import { Command } from "commander";
import { createReporter, silentReporter } from "../cli/reporter.js";

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
    .option("-q, --quiet", "no progress output")
    .addHelpText(
      "after",
      `
The host never imports or runs a declaration file: it is parsed and the literal declaration is
extracted. Only a script with no mvm.app declaration that calls Sandbox.create(...) is run, in
record mode, and mvmctl says so first.

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
          json?: boolean;
          quiet?: boolean;
        },
      ) => {
        const { compile, runRecordScript } = await import("../compile/index.js");
        const reporter = o.json || o.quiet ? silentReporter : createReporter();
        const res = await compile({
          entry,
          fromIr: o.fromIr,
          fromRecording: o.fromRecording,
          out: o.out,
          sourceRoots: o.sourceRoot,
          reporter,
          runRecordScript,
        });
        const warnings = res.diagnostics.filter((d) => d.severity === "warning");
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ ok: true, kind: res.outKind, out: res.out, ir_hash: res.irHash, workload_id: res.ir.id, files: res.files, warnings })}\n`,
          );
        } else {
          process.stderr.write(`compiled ${res.outKind}: ${res.out}\n`);
        }
      },
    );
}
