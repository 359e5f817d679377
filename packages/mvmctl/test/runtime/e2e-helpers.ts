// Shared steps of the runtime e2e tests: the real CLI (built dist, as users run it) with a temp
// MVM_HOME and the shared download cache, and the guest console attached to any failure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CliResult, runCli } from "../helpers/cli.js";

export const FIXTURES = resolve(import.meta.dirname, "fixtures");

/** The download cache shared by every e2e test (kernel .deb, base rootfs, .debs). */
export function sharedCacheDir(): string {
  return process.env.MVM_CACHE_DIR ?? join(tmpdir(), "mvm-test-cache");
}

export interface E2eHome {
  home: string;
  run(
    args: string[],
    opts?: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
  ): Promise<CliResult>;
  /** Every instance's console log, for failure messages. */
  consoles(): string;
  cleanup(): Promise<void>;
}

export async function e2eHome(): Promise<E2eHome> {
  const home = await mkdtemp(join(tmpdir(), "mvm-rt-e2e-"));
  const env = {
    MVM_HOME: home,
    MVM_CACHE_DIR: sharedCacheDir(),
    MVM_BUILD_BACKEND: process.env.MVM_BUILD_BACKEND ?? "debian",
  };
  const consoles = () => {
    const dir = join(home, "instances");
    if (!existsSync(dir)) return "(no instances)";
    return readdirSync(dir)
      .map((n) => {
        const p = join(dir, n, "console.log");
        const text = existsSync(p) ? readFileSync(p, "utf8") : "(no console.log)";
        return `--- console of ${n} (last 60 lines) ---\n${text.split("\n").slice(-60).join("\n")}`;
      })
      .join("\n");
  };
  return {
    home,
    run: (args, opts = {}) =>
      runCli(args, { env: { ...env, ...opts.env }, input: opts.input, timeoutMs: opts.timeoutMs ?? 180_000 }),
    consoles,
    async cleanup() {
      // Never leave a VM behind, even when a test failed half-way.
      await runCli(["down", "--all", "-q"], { env, timeoutMs: 60_000 }).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Asserts a CLI exit code, putting the command's output and the guest consoles in the message. */
export function expectCode(h: E2eHome, r: CliResult, code: number, what: string): void {
  if (r.code === code) return;
  throw new Error(
    `${what}: exit ${r.code}, expected ${code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}\n${h.consoles()}`,
  );
}

/** compile + build of a fixture into the home's store; returns the compiled dir. */
export async function compileAndBuild(h: E2eHome, fixture: string, entry: string): Promise<string> {
  const out = join(h.home, `compiled-${fixture}`);
  const c = await h.run(["compile", join(FIXTURES, fixture, entry), "--out", out]);
  expectCode(h, c, 0, `compile ${fixture}`);
  // The first build on a machine downloads Debian packages: give it time.
  const b = await h.run(["build", out], { timeoutMs: 900_000 });
  expectCode(h, b, 0, `build ${fixture}`);
  return out;
}
