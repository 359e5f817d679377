// `mvmctl invoke`: build the [args, kwargs] payload, call the function in the guest, print the
// JSON result on stdout. Exit codes: runner's code, 124 timeout, 137 wrapper crashed, 1 others.
import { readFile } from "node:fs/promises";
import { Command } from "commander";

interface InvokeFlags {
  fn?: string;
  input: string[];
  stdin?: string;
  timeout: string;
  json?: boolean;
  fresh?: boolean;
}

async function readStdinArg(src: string): Promise<string> {
  if (src !== "-") return readFile(src, "utf8");
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

export function invokeCommand(): Command {
  return new Command("invoke")
    .description("Call a function entrypoint in a running instance and print its JSON result")
    .argument("<name>", "instance name")
    .option("--fn <name>", "entrypoint (function) name; default: the primary entrypoint")
    .option(
      "-i, --input <key=value>",
      "a keyword argument; the value is JSON when it parses, else a string (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--stdin <file>", "read the raw [args, kwargs] JSON payload from a file, or - for stdin")
    .option("-t, --timeout <duration>", "call timeout: 500ms, 30s, 2m", "30s")
    .option("--json", "print {ok, result, duration_ms} instead of the bare result")
    .option(
      "--fresh",
      "run this call in a new runner process (no module state from earlier calls; slower) instead of the entrypoint's warm runner",
    )
    .addHelpText(
      "after",
      `
Calls share the entrypoint's warm runner: the module is imported once and its globals persist
between calls, until a call times out or crashes (the next call then gets a fresh runner).
--fresh runs one call in its own new process, as isolated as a first call.

Exit codes: the runner's own code (1 for a user exception, whose kind and message go to stderr),
124 when the call timed out, 137 when the runner crashed (killed by a signal), 1 for other errors.

Examples:
  mvmctl invoke hello --input name=ari
  mvmctl invoke hello --input n=3 --input 'tags=["a","b"]'
  echo '[["ari"], {}]' | mvmctl invoke hello --stdin -
  mvmctl invoke hello --fn shout --timeout 5s --input name=ari
  mvmctl invoke hello --fresh --input name=ari`,
    )
    .action(async (name: string, o: InvokeFlags) => {
      const { invoke } = await import("../runtime/index.js");
      const { payloadFromInputs, payloadFromStdin } = await import("../runtime/index.js");
      const { parseDurationMs } = await import("./duration.js");
      const { mvmHome } = await import("../home.js");
      const { MvmError } = await import("@mvm/ir/errors");
      if (o.stdin !== undefined && o.input.length > 0) {
        throw new MvmError("E_USAGE", "--stdin and --input cannot be combined", { exitCode: 2 });
      }
      const payload =
        o.stdin !== undefined ? payloadFromStdin(await readStdinArg(o.stdin)) : payloadFromInputs(o.input);
      const res = await invoke({
        home: mvmHome(),
        name,
        fn: o.fn,
        payload,
        timeoutMs: parseDurationMs(o.timeout),
        fresh: o.fresh === true,
        stderr: (b) => process.stderr.write(b),
      });
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: true, result: res.result, duration_ms: Math.round(res.durationMs) })}\n`,
        );
      } else {
        process.stdout.write(`${JSON.stringify(res.result)}\n`);
      }
    });
}
