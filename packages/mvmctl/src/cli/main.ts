// mvmctl's entry point: registers the verbs, runs one, and funnels every error through
// printTopLevelError. Command modules are small and load their stage only when they run, so
// `mvmctl compile` does not pay for QEMU or build code.

import { MvmError } from "@mvm/ir/errors";
import { Command, CommanderError } from "commander";
import { buildCommand } from "../commands/build.js";
import { compileCommand } from "../commands/compile.js";
import { doctorCommand } from "../commands/doctor.js";
import { downCommand } from "../commands/down.js";
import { execCommand } from "../commands/exec.js";
import { fsCommand } from "../commands/fs.js";
import { invokeCommand } from "../commands/invoke.js";
import { logsCommand } from "../commands/logs.js";
import { psCommand } from "../commands/ps.js";
import { secretCommand } from "../commands/secret.js";
import { snapshotCommand } from "../commands/snapshot.js";
import { upCommand } from "../commands/up.js";
import { ExitCode } from "./exit-codes.js";
import { ExitRequest } from "./exit-request.js";
import { printTopLevelError, writeErrorChannel } from "./print-error.js";
import { VERSION } from "./version.js";

/** The verbs, in the order `--help` lists them. */
const COMMANDS: (() => Command)[] = [
  compileCommand,
  buildCommand,
  upCommand,
  invokeCommand,
  execCommand,
  fsCommand,
  psCommand,
  logsCommand,
  downCommand,
  snapshotCommand,
  doctorCommand,
  secretCommand,
];

export function createProgram(): Command {
  const program = new Command("mvmctl")
    .description("Compile decorated functions into microVM images, boot them, and invoke them.")
    .version(VERSION, "-V, --version")
    .option("--debug", "print error causes and stack traces")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      "after",
      `
Examples:
  mvmctl compile app.py --out /tmp/hello     # static: app.py is never imported
  mvmctl build /tmp/hello                    # reproducible microVM image
  mvmctl up /tmp/hello --name hello          # boot it
  mvmctl invoke hello --input name='ari'     # run the function in the guest
  mvmctl down hello`,
    );
  for (const make of COMMANDS) program.addCommand(make());
  // Every level, so that usage errors of nested verbs (`secret put`, `fs read`) also end in the
  // error funnel with exit code 2 instead of commander calling process.exit itself.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    for (const sub of cmd.commands) override(sub);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // Hidden (not a verb, not in --help): the resident compile server the native client starts
  // (docs/adr/0013-compile-server.md). It runs main() for each request it serves.
  if (argv[0] === "__serve") {
    const { serveCompile } = await import("./compile-server.js");
    return serveCompile(argv.slice(1), main);
  }
  const debug = argv.includes("--debug");
  const json = argv.includes("--json");
  try {
    const program = createProgram();
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    // Inside the compile server, process.exit() ends the request by throwing: let it through.
    if (e instanceof ExitRequest) throw e;
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (e.exitCode === 0) return;
      // commander printed the human text already; callers reading the channel get the code too.
      writeErrorChannel({ code: "E_USAGE", message: e.message.replace(/^error: /, "") });
      process.exitCode = ExitCode.Usage;
      return;
    }
    printTopLevelError(e instanceof MvmError || e instanceof Error ? e : new Error(String(e)), {
      json,
      debug,
    });
  }
}
