// `mvmctl exec`: run a command in a running dev instance; its exit code becomes ours.
import { Command } from "commander";

interface ExecFlags {
  cwd?: string;
  env: string[];
  timeout?: string;
  stdin?: boolean;
}

export function execCommand(): Command {
  return new Command("exec")
    .description("Run a command inside a running instance (images built with dev: true)")
    .argument("<name>", "instance name")
    .argument("<argv...>", "the command and its arguments (put them after --)")
    .option("--cwd <dir>", "working directory in the guest", "/")
    .option(
      "-e, --env <KEY=VALUE>",
      "extra environment variable (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("-t, --timeout <duration>", "kill the command after this long (default: no limit)")
    .option("--stdin", "pass this process's stdin to the command")
    .addHelpText(
      "after",
      `
The command's stdout and stderr stream through; mvmctl exits with the command's exit code.

Examples:
  mvmctl exec hello -- uname -a
  mvmctl exec hello --cwd /app -- python3 -c 'import app; print(app.greet("ari"))'
  echo hi | mvmctl exec hello --stdin -- cat`,
    )
    .action(async (name: string, argv: string[], o: ExecFlags) => {
      const { exec } = await import("../runtime/exec.js");
      const { parseDurationMs } = await import("../runtime/duration.js");
      const { mvmHome } = await import("../runtime/paths.js");
      const { MvmError } = await import("@mvm/ir");
      const env: Record<string, string> = {};
      for (const kv of o.env) {
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new MvmError("E_USAGE", `--env "${kv}": expected KEY=VALUE`, { exitCode: 2 });
        env[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      let stdin: Buffer | undefined;
      if (o.stdin) {
        const parts: Buffer[] = [];
        for await (const c of process.stdin) parts.push(c as Buffer);
        stdin = Buffer.concat(parts);
      }
      const code = await exec({
        home: mvmHome(),
        name,
        argv,
        cwd: o.cwd,
        env,
        stdin,
        timeoutMs: o.timeout ? parseDurationMs(o.timeout) : undefined,
        sink: { stdout: (b) => process.stdout.write(b), stderr: (b) => process.stderr.write(b) },
      });
      process.exitCode = code;
    });
}
