// `mvmctl exec`: run a command in a running dev instance; its exit code becomes ours.
import { Command } from "commander";

interface ExecFlags {
  cwd?: string;
  env: string[];
  timeout?: string;
  stdin?: boolean;
  json?: boolean;
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
    .option(
      "--json",
      "print one JSON object when the command ends: {ok, exit_code, stdout, stderr, duration_ms} (output buffered)",
    )
    .addHelpText(
      "after",
      `
The command's stdout and stderr stream through; mvmctl exits with the command's exit code.
With --json they are collected instead and printed as one object on stdout (UTF-8 text, or
base64 in stdout_b64/stderr_b64 when the bytes are not valid UTF-8); mvmctl's own errors are
{"ok": false, "error": {...}}, so a script never mistakes them for the command's output.

Examples:
  mvmctl exec hello -- uname -a
  mvmctl exec hello --cwd /app -- python3 -c 'import app; print(app.greet("ari"))'
  echo hi | mvmctl exec hello --stdin -- cat
  mvmctl exec hello --json -- ls /app`,
    )
    .action(async (name: string, argv: string[], o: ExecFlags) => {
      const { exec } = await import("../runtime/index.js");
      const { parseDurationMs } = await import("./duration.js");
      const { mvmHome } = await import("../home.js");
      const { MvmError } = await import("@mvm/ir/errors");
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
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const sink = o.json
        ? { stdout: (b: Buffer) => out.push(b), stderr: (b: Buffer) => err.push(b) }
        : { stdout: (b: Buffer) => process.stdout.write(b), stderr: (b: Buffer) => process.stderr.write(b) };
      const t0 = performance.now();
      const code = await exec({
        home: mvmHome(),
        name,
        argv,
        cwd: o.cwd,
        env,
        stdin,
        timeoutMs: o.timeout ? parseDurationMs(o.timeout) : undefined,
        sink,
      });
      if (o.json) {
        const result = {
          ok: true,
          exit_code: code,
          ...textOrBase64("stdout", Buffer.concat(out)),
          ...textOrBase64("stderr", Buffer.concat(err)),
          duration_ms: Math.round(performance.now() - t0),
        };
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }
      process.exitCode = code;
    });
}

/** JSON strings hold text; bytes that are not valid UTF-8 travel as base64 instead of being mangled. */
function textOrBase64(key: "stdout" | "stderr", b: Buffer): Record<string, string> {
  const text = b.toString("utf8");
  return Buffer.from(text, "utf8").equals(b) ? { [key]: text } : { [`${key}_b64`]: b.toString("base64") };
}
