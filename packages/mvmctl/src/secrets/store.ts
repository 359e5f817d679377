// The host secret store: $MVM_HOME/secrets/ (0700), one file per secret (0600), holding the value's
// exact bytes (binary values included). Values are never printed, logged or sent to a guest; the
// host-side release path (not built yet) will read them with readSecret.
import { randomBytes } from "node:crypto";
import { constants as fsc } from "node:fs";
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MvmError } from "@mvm/ir/errors";

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
export const MAX_SECRET_BYTES = 64 * 1024;

export function secretsDir(home: string): string {
  return join(home, "secrets");
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new MvmError("E_SECRET_NAME_INVALID", `secret name ${JSON.stringify(name)} is not valid`, {
      hint: "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
    });
  }
}

async function ensureDir(home: string): Promise<string> {
  const dir = secretsDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return dir;
}

export async function putSecret(home: string, name: string, value: Buffer): Promise<void> {
  checkName(name);
  if (value.length === 0)
    throw new MvmError("E_SECRET_EMPTY", `no value given for secret ${name}`, {
      hint: 'pipe the value on stdin: printf %s "$TOKEN" | mvmctl secret put NAME',
    });
  if (value.length > MAX_SECRET_BYTES)
    throw new MvmError("E_SECRET_TOO_LARGE", `the value for ${name} is over ${MAX_SECRET_BYTES} bytes`);
  const dir = await ensureDir(home);
  const tmp = join(dir, `.${name}.tmp-${randomBytes(4).toString("hex")}`);
  await writeFile(tmp, value, { mode: 0o600 });
  await rename(tmp, join(dir, name));
}

/** A stored value, byte for byte. */
export async function readSecret(home: string, name: string): Promise<Buffer> {
  checkName(name);
  try {
    return await readFile(join(secretsDir(home), name));
  } catch {
    throw new MvmError("E_SECRET_NOT_FOUND", `no secret named ${name}`, {
      hint: "mvmctl secret ls lists the stored names",
    });
  }
}

/** A value from a file (`secret put --from-file`): a regular file of at most MAX_SECRET_BYTES, as bytes. */
export async function readSecretFile(file: string): Promise<Buffer> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO given as the file is refused below, not waited on.
    fh = await open(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (e) {
    throw new MvmError("E_INPUT_NOT_FOUND", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new MvmError("E_INPUT_NOT_FOUND", `${file} is not a regular file`);
    if (st.size > MAX_SECRET_BYTES)
      throw new MvmError("E_SECRET_TOO_LARGE", `${file} is over ${MAX_SECRET_BYTES} bytes`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

export interface SecretInfo {
  name: string;
  bytes: number;
  updated_at: string;
}

export async function listSecrets(home: string): Promise<SecretInfo[]> {
  let names: string[];
  try {
    names = await readdir(secretsDir(home));
  } catch {
    return [];
  }
  const out: SecretInfo[] = [];
  for (const name of names.filter((n) => NAME.test(n)).sort()) {
    const st = await stat(join(secretsDir(home), name));
    out.push({ name, bytes: st.size, updated_at: st.mtime.toISOString() });
  }
  return out;
}

export async function removeSecret(home: string, name: string): Promise<void> {
  checkName(name);
  try {
    await stat(join(secretsDir(home), name));
  } catch {
    throw new MvmError("E_SECRET_NOT_FOUND", `no secret named ${name}`, {
      hint: "mvmctl secret ls lists the stored names",
    });
  }
  await rm(join(secretsDir(home), name));
}
