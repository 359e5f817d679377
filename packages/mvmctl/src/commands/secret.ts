// `mvmctl secret put|ls|rm`: the host secret store. A value comes from stdin, --from-file or a
// no-echo prompt, never from argv (argv is visible in `ps` and shell history); it is handled as
// bytes end to end and never printed.
import { Command } from "commander";
import { mvmHome } from "../home.js";

/** A trailing newline from `echo` is dropped from text; bytes that are not UTF-8 are kept exactly. */
export function trimEchoNewline(value: Buffer): Buffer {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(value);
  } catch {
    return value;
  }
  if (value.at(-1) !== 0x0a) return value;
  return value.subarray(0, value.at(-2) === 0x0d ? -2 : -1);
}

async function readValue(name: string, o: { fromFile?: string; raw?: boolean }): Promise<Buffer> {
  const { MAX_SECRET_BYTES, readSecretFile } = await import("../secrets/store.js");
  if (o.fromFile !== undefined) return readSecretFile(o.fromFile);
  if (!process.stdin.isTTY) {
    // Bytes, never decoded: a binary value must be stored exactly. Stop reading past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of process.stdin) {
      chunks.push(c as Buffer);
      total += (c as Buffer).length;
      if (total > MAX_SECRET_BYTES + 2) break;
    }
    const value = Buffer.concat(chunks);
    return o.raw ? value : trimEchoNewline(value);
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
    .description(
      "Store a secret; the value is read from stdin, a file or a prompt, never from the command line",
    )
    .option("--from-file <path>", "read the value from a file, byte for byte (binary values welcome)")
    .option("--raw", "keep stdin byte for byte (by default one trailing newline is dropped from text)")
    .addHelpText(
      "after",
      '\nValues are stored as bytes: binary values (not UTF-8) are kept exactly; from stdin, one trailing\nnewline is dropped from a text value unless --raw.\n\nExamples:\n  printf %s "$OPENAI_API_KEY" | mvmctl secret put openai-api-key\n  mvmctl secret put tls-key --from-file key.der\n  mvmctl secret put api-key        # prompts without echo',
    )
    .action(async (name: string, o: { fromFile?: string; raw?: boolean }) => {
      const { putSecret } = await import("../secrets/store.js");
      await putSecret(mvmHome(), name, await readValue(name, o));
      process.stderr.write(`stored secret ${name}\n`);
    });
  cmd
    .command("ls")
    .description("List stored secret names and the images that bind them (never values)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  mvmctl secret ls\n  mvmctl secret ls --json")
    .action(async (o: { json?: boolean }) => {
      const { listSecrets } = await import("../secrets/store.js");
      const { secretBindings } = await import("../secrets/bindings.js");
      const list = await listSecrets(mvmHome());
      // Bindings come from built images: which workload reads it, in which env var, released where.
      const bound = await secretBindings(mvmHome());
      const rows = list.map((s) => ({ ...s, bindings: bound.get(s.name) ?? [] }));
      if (o.json) process.stdout.write(`${JSON.stringify({ secrets: rows })}\n`);
      else
        for (const s of rows) {
          const uses = s.bindings.map(
            (b) => `${b.workload_id}:${b.env} -> ${b.hosts.join(",") || "(no host)"}`,
          );
          process.stdout.write(
            `${s.name}\t${s.bytes} bytes\t${s.updated_at}${uses.length ? `\t${uses.join("; ")}` : ""}\n`,
          );
        }
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
