// `mvmctl secret put|ls|rm`: the host secret store. A value comes from stdin or a no-echo prompt,
// never from argv (argv is visible in `ps` and shell history).
import { Command } from "commander";
import { mvmHome } from "../home.js";

async function readValue(name: string): Promise<Buffer> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    // One trailing newline from `echo` is not part of the value.
    return Buffer.from(
      Buffer.concat(chunks)
        .toString("utf8")
        .replace(/\r?\n$/, ""),
    );
  }
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Mute the echo: the value must not appear on screen.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  process.stderr.write(`value for ${name}: `);
  const line = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stderr.write("\n");
  return Buffer.from(line);
}

export function secretCommand(): Command {
  const cmd = new Command("secret")
    .description("Manage host-side secrets that workloads reference with mvm.secret(name)")
    .addHelpText(
      "after",
      '\nExamples:\n  printf %s "$OPENAI_API_KEY" | mvmctl secret put openai-api-key\n  mvmctl secret ls --json\n  mvmctl secret rm openai-api-key',
    );
  cmd
    .command("put")
    .argument("<name>", 'secret name, as in mvm.secret("name")')
    .description("Store a secret; the value is read from stdin or a prompt, never from the command line")
    .addHelpText(
      "after",
      '\nExamples:\n  printf %s "$OPENAI_API_KEY" | mvmctl secret put openai-api-key\n  mvmctl secret put api-key        # prompts without echo',
    )
    .action(async (name: string) => {
      const { putSecret } = await import("../secrets/store.js");
      await putSecret(mvmHome(), name, await readValue(name));
      process.stderr.write(`stored secret ${name}\n`);
    });
  cmd
    .command("ls")
    .description("List stored secret names (never values)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  mvmctl secret ls\n  mvmctl secret ls --json")
    .action(async (o: { json?: boolean }) => {
      const { listSecrets } = await import("../secrets/store.js");
      const list = await listSecrets(mvmHome());
      if (o.json) process.stdout.write(`${JSON.stringify({ secrets: list })}\n`);
      else for (const s of list) process.stdout.write(`${s.name}\t${s.bytes} bytes\t${s.updated_at}\n`);
    });
  cmd
    .command("rm")
    .argument("<name>", "secret name")
    .description("Remove a stored secret")
    .addHelpText("after", "\nExamples:\n  mvmctl secret rm api-key")
    .action(async (name: string) => {
      const { removeSecret } = await import("../secrets/store.js");
      await removeSecret(mvmHome(), name);
      process.stderr.write(`removed secret ${name}\n`);
    });
  return cmd;
}
