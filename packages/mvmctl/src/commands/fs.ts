// `mvmctl fs read|write|ls|stat|mkdir|rm|mv`: files inside a running instance.
import { readFile } from "node:fs/promises";
import { Command } from "commander";

async function home(): Promise<string> {
  const { mvmHome } = await import("../home.js");
  return mvmHome();
}

async function stdinBytes(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export function fsCommand(): Command {
  const fs = new Command("fs")
    .description("Read and change files inside a running instance (guest paths are absolute)")
    .addHelpText(
      "after",
      `
Examples:
  mvmctl fs ls hello /app
  mvmctl fs read hello /etc/mvm/runtime.json
  echo hi | mvmctl fs write hello /tmp/greeting.txt
  mvmctl fs write hello /tmp/data.bin --from ./data.bin
  mvmctl fs stat hello /tmp/greeting.txt --json
  mvmctl fs mkdir hello /tmp/a/b -p
  mvmctl fs mv hello /tmp/greeting.txt /tmp/hello.txt
  mvmctl fs rm hello /tmp/a -r`,
    );
  fs.command("read")
    .description("print a file's bytes on stdout")
    .argument("<name>")
    .argument("<path>")
    .action(async (name: string, path: string) => {
      const { fsRead } = await import("../runtime/index.js");
      process.stdout.write(await fsRead(await home(), name, path));
    });
  fs.command("write")
    .description("write stdin (or --from FILE) to a guest file")
    .argument("<name>")
    .argument("<path>")
    .option("--from <file>", "host file to copy instead of stdin")
    .option("--mode <octal>", "file mode, e.g. 0644")
    .option("-p, --parents", "create missing parent directories")
    .action(async (name: string, path: string, o: { from?: string; mode?: string; parents?: boolean }) => {
      const { fsWrite } = await import("../runtime/index.js");
      const data = o.from ? await readFile(o.from) : await stdinBytes();
      const n = await fsWrite(await home(), name, path, data, {
        mode: o.mode ? Number.parseInt(o.mode, 8) : undefined,
        createParents: o.parents,
      });
      process.stderr.write(`wrote ${n} bytes to ${path}\n`);
    });
  fs.command("ls")
    .description("list a guest directory")
    .argument("<name>")
    .argument("<path>")
    .option("--json", "print the entries as JSON")
    .action(async (name: string, path: string, o: { json?: boolean }) => {
      const { fsList } = await import("../runtime/index.js");
      const r = await fsList(await home(), name, path);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      for (const e of r.entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const kind = e.type === "dir" || e.type === "directory" ? "d" : e.type === "symlink" ? "l" : "-";
        process.stdout.write(
          `${kind}${e.mode.toString(8).padStart(4, "0")} ${String(e.size).padStart(10)}  ${e.name}\n`,
        );
      }
      if (r.truncated) process.stderr.write("(listing truncated)\n");
    });
  fs.command("stat")
    .description("show a guest path's type, size, mode and mtime")
    .argument("<name>")
    .argument("<path>")
    .option("--json", "print as JSON")
    .action(async (name: string, path: string, o: { json?: boolean }) => {
      const { fsStat } = await import("../runtime/index.js");
      const r = await fsStat(await home(), name, path);
      const { id: _id, ok: _ok, ...fields } = r;
      if (o.json) process.stdout.write(`${JSON.stringify(fields)}\n`);
      else
        for (const [k, v] of Object.entries(fields))
          process.stdout.write(`${k}: ${k === "mode" ? Number(v).toString(8) : String(v)}\n`);
    });
  fs.command("mkdir")
    .description("create a guest directory")
    .argument("<name>")
    .argument("<path>")
    .option("-p, --parents", "create missing parents")
    .action(async (name: string, path: string, o: { parents?: boolean }) => {
      const { fsMkdir } = await import("../runtime/index.js");
      await fsMkdir(await home(), name, path, Boolean(o.parents));
    });
  fs.command("rm")
    .description("remove a guest file or directory")
    .argument("<name>")
    .argument("<path>")
    .option("-r, --recursive", "remove a directory and its contents")
    .action(async (name: string, path: string, o: { recursive?: boolean }) => {
      const { fsRemove } = await import("../runtime/index.js");
      await fsRemove(await home(), name, path, Boolean(o.recursive));
    });
  fs.command("mv")
    .description("rename a guest path")
    .argument("<name>")
    .argument("<from>")
    .argument("<to>")
    .action(async (name: string, from: string, to: string) => {
      const { fsMove } = await import("../runtime/index.js");
      await fsMove(await home(), name, from, to);
    });
  return fs;
}
