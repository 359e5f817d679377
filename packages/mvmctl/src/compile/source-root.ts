// Where a local_path source may come from. Sources are hostile: a declaration may name
// `/abs/dir`, `../x`, `/proc/self` or `$MVM_HOME/secrets`, and its tree may hold links that leave
// it. A source path must resolve (realpath: every link on the way followed) inside the project
// directory or a root the user named with --source-root, and never inside a forbidden root.
//
// The project directory is the directory of the declaration file; for IR or a recording read from
// a file, that file's directory; for IR on stdin, the current directory.
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { MvmError } from "@mvm/ir";

/** Never bundled, even when named: kernel interfaces and the store of images, instances, secrets. */
export const FORBIDDEN_SYSTEM_ROOTS = ["/proc", "/sys", "/dev"];

export interface SourcePolicy {
  /** Realpaths a source root must be inside: the project directory and every --source-root. */
  allowed: string[];
  /** Never bundled, not even when a tree that holds them is (lexical and real forms). */
  forbidden: string[];
}

/** `p` is `root` or below it (both absolute, normalized). */
export function within(p: string, root: string): boolean {
  if (root === path.sep) return true;
  return p === root || p.startsWith(root + path.sep);
}

async function real(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch {
    return undefined;
  }
}

export async function forbiddenRoots(home: string): Promise<string[]> {
  const out = new Set<string>();
  for (const p of [...FORBIDDEN_SYSTEM_ROOTS, path.resolve(home)]) {
    out.add(p);
    const r = await real(p);
    if (r) out.add(r);
  }
  return [...out];
}

function forbiddenHit(p: string, forbidden: readonly string[]): string | undefined {
  return forbidden.find((f) => within(p, f));
}

/**
 * The policy for one compile. `projectDir` is the declaration's (or IR file's) directory; each
 * `sourceRoots` entry is a directory the user named with --source-root (relative to `cwd`).
 */
export async function sourcePolicy(opts: {
  projectDir: string;
  sourceRoots: readonly string[];
  home: string;
  cwd: string;
}): Promise<SourcePolicy> {
  const forbidden = await forbiddenRoots(opts.home);
  const allowed: string[] = [];
  const project = await real(opts.projectDir);
  if (project) allowed.push(project);
  for (const given of opts.sourceRoots) {
    const abs = path.resolve(opts.cwd, given);
    const r = await real(abs);
    let isDir = false;
    if (r) isDir = (await stat(r)).isDirectory();
    if (!r || !isDir) {
      throw new MvmError("E_USAGE", `--source-root ${given} does not exist or is not a directory`);
    }
    const hit = forbiddenHit(r, forbidden) ?? forbiddenHit(abs, forbidden);
    if (hit) {
      throw new MvmError(
        "E_SOURCE_FORBIDDEN",
        `--source-root ${given} is inside ${hit}, which is never bundled`,
      );
    }
    allowed.push(r);
  }
  return { allowed, forbidden };
}

/**
 * The realpath of a source root, checked against the policy. `given` is the local_path as written
 * (for messages), `abs` its resolution against the project directory.
 */
export async function resolveSourceRoot(
  given: string,
  abs: string,
  policy: SourcePolicy,
  irPath: string,
): Promise<string> {
  const lexicalHit = forbiddenHit(path.resolve(abs), policy.forbidden);
  let r: string;
  try {
    r = await realpath(abs);
    if (!(await stat(r)).isDirectory()) throw new Error("not a directory");
  } catch {
    if (lexicalHit) {
      throw new MvmError(
        "E_SOURCE_FORBIDDEN",
        `local_path ${JSON.stringify(given)} is inside ${lexicalHit}, which is never bundled`,
        { path: `${irPath}.path` },
      );
    }
    throw new MvmError("E_SOURCE_PATH_NOT_FOUND", `source path ${abs} does not exist or is not a directory`, {
      path: `${irPath}.path`,
    });
  }
  const hit = lexicalHit ?? forbiddenHit(r, policy.forbidden);
  if (hit) {
    throw new MvmError(
      "E_SOURCE_FORBIDDEN",
      `local_path ${JSON.stringify(given)} resolves to ${r}, inside ${hit}, which is never bundled`,
      { path: `${irPath}.path` },
    );
  }
  if (!policy.allowed.some((a) => within(r, a))) {
    throw new MvmError(
      "E_SOURCE_OUTSIDE_PROJECT",
      `local_path ${JSON.stringify(given)} resolves to ${r}, outside the project directory${policy.allowed.length ? ` ${policy.allowed[0]}` : ""}`,
      {
        path: `${irPath}.path`,
        hint: `keep sources under ${policy.allowed[0] ?? "the project directory"}, or name the directory with --source-root ${r}`,
      },
    );
  }
  return r;
}
