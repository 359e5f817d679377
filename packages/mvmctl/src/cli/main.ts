// mvmctl's entry point: registers the verbs, runs one, and funnels every error through
// printTopLevelError. Command modules are small; each loads its stage only when it runs, so
// `mvmctl compile` does not pay for QEMU or build code.

import { MvmError } from "@mvm/ir/errors";
import { Command, CommanderError } from "commander";
import { ExitCode } from "./exit-codes.js";
import { printTopLevelError } from "./print-error.js";
import { VERSION } from "./version.js";

/** One entry per verb module; each exports `<name>Command(): Command`. */
const COMMAND_MODULES: [string, string][] = [
  ["../commands/compile.js", "compileCommand"],
  ["../commands/build.js", "buildCommand"],
  ["../commands/up.js", "upCommand"],
  ["../commands/invoke.js", "invokeCommand"],
  ["../commands/exec.js", "execCommand"],
  ["../commands/fs.js", "fsCommand"],
  ["../commands/ps.js", "psCommand"],
  ["../commands/logs.js", "logsCommand"],
  ["../commands/down.js", "downCommand"],
  ["../commands/doctor.js", "doctorCommand"],
  ["../commands/secret.js", "secretCommand"],
];

export async function createProgram(): Promise<Command> {
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
  const mods = await Promise.all(
    COMMAND_MODULES.map(async ([spec, name]) => {
      try {
        const mod = (await import(spec)) as Record<string, () => Command>;
        return mod[name]?.();
      } catch (e) {
        if (
          (e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" &&
          String((e as Error).message).includes(spec.slice(2))
        )
          return undefined;
        throw e;
      }
    }),
  );
  for (const cmd of mods) if (cmd) program.addCommand(cmd);
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes("--debug");
  const json = argv.includes("--json");
  try {
    const program = await createProgram();
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (e.exitCode === 0) return;
      process.exitCode = ExitCode.Usage;
      return;
    }
    printTopLevelError(e instanceof MvmError || e instanceof Error ? e : new Error(String(e)), {
      json,
      debug,
    });
  }
}
