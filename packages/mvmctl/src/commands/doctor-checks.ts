// `mvmctl doctor`: what this host can do, as data. Each check is ok, warn or fail with a hint; only
// a failing required check makes doctor exit non-zero.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { isMvmError } from "@mvm/ir/errors";
import { findOnPath, resolvePython, resolveTsRunner } from "../compile/index.js";
import { mvmHome } from "../home.js";
import { agentDir, cachedPinnedVmlinuz } from "../image/index.js";
import { findQemu, kvmPrecheck, probeKvm } from "../runtime/index.js";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  section: "Tools" | "Store" | "Security";
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
  required: boolean;
  /** The kvm check's probe outcome, for `doctor --json`. */
  probe?: unknown;
}

const firstLine = (s: string) =>
  s
    .split("\n")
    .find((l) => l.trim())
    ?.trim();

/**
 * A tool's version line, from stdout: stderr carries warnings (nix's missing 'nixbld' group) that
 * are not the version. Only a tool that prints nothing on stdout is read from stderr, because
 * that is where it puts its version by design (mkfs.ext4 -V).
 */
function version(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (err, stdout, stderr) => {
      if (err) return resolve(undefined);
      resolve(firstLine(stdout) ?? firstLine(stderr));
    });
  });
}

async function tool(
  name: string,
  bin: string,
  versionArgs: string[],
  required: boolean,
  hint: string,
  env: NodeJS.ProcessEnv,
): Promise<Check> {
  const p = findOnPath(bin, env);
  if (!p)
    return {
      section: "Tools",
      name,
      status: required ? "fail" : "warn",
      detail: `${bin} not found on PATH`,
      hint,
      required,
    };
  const v = versionArgs.length ? await version(p, versionArgs) : undefined;
  return { section: "Tools", name, status: "ok", detail: v ? `${p} (${v})` : p, required };
}

/** The same resolution as `up` (MVM_QEMU, else PATH). */
async function qemuCheck(env: NodeJS.ProcessEnv, hint: string): Promise<{ check: Check; path?: string }> {
  let path: string;
  try {
    path = findQemu(env);
  } catch (e) {
    return {
      check: {
        section: "Tools",
        name: "qemu",
        status: "fail",
        detail: isMvmError(e) ? e.message : String(e),
        hint: isMvmError(e) ? (e.hint ?? hint) : hint,
        required: true,
      },
    };
  }
  const v = await version(path, ["--version"]);
  if (!v)
    return {
      check: {
        section: "Tools",
        name: "qemu",
        status: "fail",
        detail: `${path} does not run (\`${path} --version\` failed)`,
        hint,
        required: true,
      },
    };
  const via = env.MVM_QEMU ? " via MVM_QEMU" : "";
  return {
    check: { section: "Tools", name: "qemu", status: "ok", detail: `${path}${via} (${v})`, required: true },
    path,
  };
}

/**
 * `up`'s own KVM decision: the pre-check, then (when the pinned kernel is cached) the real probe
 * boot of that kernel, or its cached result. `probe` carries the result into `doctor --json`.
 */
async function kvmCheck(env: NodeJS.ProcessEnv, home: string, qemu: string | undefined): Promise<Check> {
  const base = { section: "Tools" as const, name: "kvm", required: false };
  const pre = await kvmPrecheck(env);
  const tcg = "QEMU will use TCG, boots take seconds";
  if (!pre.ok) {
    return {
      ...base,
      status: "warn",
      detail: `KVM is not usable: ${pre.reason} (pre-check, no guest booted): ${tcg}`,
      hint: existsSync(pre.device)
        ? `check ${pre.device} permissions (kvm group)`
        : "load kvm_intel or kvm_amd, or run on a host with virtualisation",
      probe: { kind: "precheck", ...pre },
    };
  }
  const kernel = cachedPinnedVmlinuz(home);
  if (!qemu || !kernel) {
    return {
      ...base,
      status: "warn",
      detail: `${pre.device} is present and accessible, but whether KVM can boot Linux is not proven yet: ${
        qemu ? "the pinned kernel is not in the cache" : "no usable QEMU"
      }`,
      hint: "the first `mvmctl build` fetches the kernel; `mvmctl up` then probes it under KVM",
      probe: { kind: "precheck", ...pre, kernel_cached: Boolean(kernel) },
    };
  }
  const outcome = await probeKvm({ qemu, kernel, cacheDir: join(home, "cache"), env });
  if (outcome.kind === "precheck") {
    return {
      ...base,
      status: "warn",
      detail: `KVM is not usable: ${outcome.precheck.reason}: ${tcg}`,
      probe: outcome,
    };
  }
  const r = outcome.result;
  const when = outcome.cached
    ? `cached result from ${r.probed_at}${r.source === "boot" ? ", recorded by a failed `up`" : ""}`
    : `probed now in ${r.probe_ms} ms`;
  if (r.usable) {
    return {
      ...base,
      status: "ok",
      detail: `KVM booted the pinned kernel to init with -cpu ${r.cpu_model} (${when}): accel kvm`,
      probe: outcome,
    };
  }
  return {
    ...base,
    status: "warn",
    detail: `KVM cannot boot Linux here (${r.reason}; ${when}): ${tcg}`,
    hint: "enable nested virtualisation for this VM, or run on a host with working KVM; the result is re-probed after a reboot, a QEMU upgrade or a new kernel",
    probe: outcome,
  };
}

export async function runChecks(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<Check[]> {
  const checks: Check[] = [];
  const apt = (pkg: string) => `apt-get install -y ${pkg}`;
  const home = mvmHome(env);
  // Before anything writes under it (the probe cache): a home created here is private from the start.
  await mkdir(home, { recursive: true, mode: 0o700 }).catch(() => undefined);
  const qemu = await qemuCheck(env, apt("qemu-system-x86"));
  checks.push(qemu.check);
  checks.push(await kvmCheck(env, home, qemu.path));
  checks.push(await tool("mmdebstrap", "mmdebstrap", ["--version"], true, apt("mmdebstrap"), env));
  checks.push(await tool("mkfs.ext4", "mkfs.ext4", ["-V"], true, apt("e2fsprogs"), env));
  checks.push(await tool("cpio", "cpio", ["--version"], true, apt("cpio"), env));
  checks.push(
    await tool(
      "nix",
      "nix",
      ["--version"],
      false,
      "optional: the Nix backend builds the compiled flake.nix when nixpkgs is reachable",
      env,
    ),
  );
  const agentBin = join(agentDir(), "build", "mvm-agent");
  if (existsSync(agentBin)) {
    checks.push({
      section: "Tools",
      name: "agent",
      status: "ok",
      detail: `guest agent built at ${agentBin}`,
      required: false,
    });
  } else {
    checks.push(
      await tool("musl-gcc", "musl-gcc", [], true, `${apt("musl-tools")} (builds the guest agent)`, env),
    );
  }
  try {
    const r = resolveTsRunner(cwd, env);
    checks.push({
      section: "Tools",
      name: "typescript runner",
      status: "ok",
      detail: `${r.command} (${r.source})`,
      required: false,
    });
  } catch (e) {
    checks.push({
      section: "Tools",
      name: "typescript runner",
      status: "warn",
      detail: "no tsx, bun or deno: record-mode TypeScript scripts cannot run",
      hint: isMvmError(e) ? e.hint : undefined,
      required: false,
    });
  }
  try {
    const py = resolvePython(env);
    checks.push({
      section: "Tools",
      name: "python3",
      status: "ok",
      detail: `${py.command} (${(await version(py.command, ["--version"])) ?? "?"})`,
      required: false,
    });
  } catch {
    checks.push({
      section: "Tools",
      name: "python3",
      status: "warn",
      detail: "python3 not found: record-mode Python scripts cannot run",
      hint: "install python3 or set MVM_PYTHON",
      required: false,
    });
  }
  checks.push(...(await storeChecks(env)));
  return checks;
}

async function storeChecks(env: NodeJS.ProcessEnv): Promise<Check[]> {
  const home = mvmHome(env);
  const out: Check[] = [];
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    const st = await stat(home);
    const mode = st.mode & 0o777;
    out.push(
      mode & 0o077
        ? {
            section: "Store",
            name: "MVM_HOME",
            status: "warn",
            detail: `${home} is mode ${mode.toString(8).padStart(4, "0")}; other users can read instance state`,
            hint: `chmod 700 ${home}`,
            required: false,
          }
        : { section: "Store", name: "MVM_HOME", status: "ok", detail: `${home} (mode 0700)`, required: true },
    );
    const fs = await statfs(home);
    const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30;
    out.push({
      section: "Store",
      name: "free disk",
      status: freeGiB < 2 ? "warn" : "ok",
      detail: `${freeGiB.toFixed(1)} GiB free under ${home}`,
      ...(freeGiB < 2 ? { hint: "an image needs ~0.5-1 GiB while building" } : {}),
      required: false,
    });
    const secrets = join(home, "secrets");
    if (existsSync(secrets)) {
      const sm = (await stat(secrets)).mode & 0o777;
      out.push(
        sm === 0o700
          ? {
              section: "Security",
              name: "secret store",
              status: "ok",
              detail: `${secrets} (mode 0700)`,
              required: true,
            }
          : {
              section: "Security",
              name: "secret store",
              status: "fail",
              detail: `${secrets} is mode ${sm.toString(8)}`,
              hint: `chmod 700 ${secrets}`,
              required: true,
            },
      );
    }
  } catch (e) {
    out.push({
      section: "Store",
      name: "MVM_HOME",
      status: "fail",
      detail: `${home} is not usable: ${(e as Error).message}`,
      hint: "set MVM_HOME to a writable directory",
      required: true,
    });
  }
  out.push({
    section: "Security",
    name: "network default",
    status: "ok",
    detail: 'guests have no NIC unless the workload declares a network mode other than "none"',
    required: false,
  });
  return out;
}
