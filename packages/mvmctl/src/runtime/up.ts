// `boot()`: image -> running instance. Resolves the image, picks the accelerator, starts QEMU
// detached, then talks to the agent until it reports ready (after_start passed). On failure the
// VM is stopped, the instance stays as "failed" (so `logs` can show why), and the error names
// the failing hook with the console's last lines reported through the reporter. A KVM boot that
// dies or stays silent before init speaks falls back to TCG once (accel.ts picks, kvm-probe.ts proves).
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMvmError, MvmError } from "@mvm/ir/errors";
import { IMAGE_FILES } from "../contracts/image-manifest.js";
import { STATE_VERSION } from "../contracts/instance-state.js";
import type { SecretBindings } from "../contracts/secret-refs.js";
import type { Reporter } from "../lib/progress.js";
import { mintSecretTokens, writeInstanceSecrets } from "../secrets/instance-tokens.js";
import { type AccelChoice, type AccelRequest, chooseAccel, kvmUnavailable } from "./accel.js";
import { connectAgent } from "./agent/connect.js";
import type { AgentHello, AgentSession } from "./agent/session.js";
import { tailLines } from "./console-tail.js";
import { brokerConfig, FETCH_PORTS, launchFetchBroker, stopFetchBroker } from "./fetch/process.js";
import { resolveImage } from "./image-ref.js";
import {
  type InstanceNetwork,
  type InstanceState,
  readState,
  removeInstanceDir,
  validateInstanceName,
  writeState,
} from "./instances.js";
import {
  connectorArgv,
  launchEgressProxy,
  resolveOverrides,
  stopEgressProxy,
} from "./network/egress-process.js";
import { prepareForwards, startForwards, stopForwards } from "./network/ingress.js";
import type { PortOverride } from "./network/ports.js";
import { type InstancePaths, instancePaths, instancesDir } from "./paths.js";
import { processAlive, sleep } from "./proc.js";
import { UpSnapshots } from "./up-snapshot.js";
import { hostTscKhz } from "./vmm/host-tsc.js";
import { recordKvmUnusable } from "./vmm/kvm-probe.js";
import { findQemu, QemuDriver } from "./vmm/qemu.js";
import { assertNetworkSupported } from "./vmm/qemu-args.js";

export interface BootOptions {
  home: string;
  /** A compiled dir, workload id or image digest. */
  ref: string;
  name?: string;
  cpus?: number;
  memoryMiB?: number;
  accel?: AccelRequest;
  vmm?: string;
  /** How long to wait for the agent to report ready (boot + before_start + after_start). */
  readyTimeoutMs?: number;
  /** `up --port MAPPING=[ADDR:]PORT`: host side overrides of declared port forwards (0: a free port). */
  ports?: PortOverride[];
  /** Boot from scratch: no snapshot is restored or saved (`up --cold`). */
  cold?: boolean;
  /** Restore this snapshot id or fail (`up --snapshot ID`). */
  snapshot?: string;
  reporter: Reporter;
}

export interface BootResult {
  state: InstanceState;
  /** Host-measured time from starting QEMU to the agent reporting ready. */
  bootMs: number;
  /** The agent's own view: kernel start to agent start, from the guest clock. */
  guestBootMs: number;
}

/** Unix socket paths are limited to 107 bytes on Linux. */
const SUN_PATH_MAX = 107;

export async function boot(o: BootOptions): Promise<BootResult> {
  if (o.vmm && o.vmm !== "qemu") {
    throw new MvmError("E_VMM_UNSUPPORTED", `VMM "${o.vmm}" is not available in this build`, {
      hint: "use --vmm qemu (the default)",
    });
  }
  if (o.name !== undefined) validateInstanceName(o.name); // before anything is resolved or made
  const r = o.reporter;
  const t0 = performance.now();
  r.stageStart("up");
  r.step(`resolving ${o.ref}`);
  const image = await resolveImage(o.home, o.ref);
  const m = image.manifest;
  const name = o.name ?? m.app ?? m.workload_id;
  validateInstanceName(name);
  const networkMode = m.network?.mode ?? null;
  assertNetworkSupported(networkMode);
  const paths = instancePaths(o.home, name);
  const longest = networkMode === "bridge" ? paths.egressSocket : paths.agentSocket;
  if (longest.length > SUN_PATH_MAX) {
    throw new MvmError(
      "E_INSTANCE_PATH_TOO_LONG",
      `a socket path is too long for a unix socket: ${longest}`,
      {
        hint: "use a shorter MVM_HOME or instance name",
      },
    );
  }
  const existing = await readState(o.home, name);
  if (existing) {
    throw new MvmError(
      "E_INSTANCE_EXISTS",
      `an instance named "${name}" already exists (${existing.status})`,
      {
        hint: `stop it with \`mvmctl down ${name}\` or pick another --name`,
      },
    );
  }

  // Port forwards are refused (unsupported, or a host port held) before anything is made or booted.
  const manifestPorts = (m.network as { ports?: unknown } | null)?.ports;
  const forwards = await prepareForwards(o.home, name, networkMode, manifestPorts, o.ports ?? [], r);

  const qemu = findQemu();
  const request = o.accel ?? "auto";
  const probeCache = join(o.home, "cache");
  const choice = await chooseAccel({
    request,
    qemu,
    kernel: image.kernel,
    // image.json names the sha256 of every boot file: the probe key needs no hashing per `up`.
    kernelSha256: m.files[IMAGE_FILES.kernel],
    cacheDir: probeCache,
    reporter: r,
  });
  const cpus = o.cpus ?? m.resources.cpu_cores;
  const memoryMiB = o.memoryMiB ?? m.resources.memory_mb;

  await mkdir(instancesDir(o.home), { recursive: true, mode: 0o700 });
  try {
    // Not recursive: two concurrent `up`s of one name cannot both get here.
    await mkdir(paths.dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new MvmError("E_INSTANCE_EXISTS", `an instance named "${name}" already exists`, {
        hint: `stop it with \`mvmctl down ${name}\` or pick another --name`,
      });
    }
    throw e;
  }
  const secrets = mintSecretTokens(image.manifest.secrets);
  await writeInstanceSecrets(paths.secrets, secrets);
  // The socket helpers (egress proxy, fetch broker) are launched, not waited for: their sockets
  // listen before QEMU starts, and `helpersUp` is awaited alongside the boot (helper-process.ts).
  const { network, ready: proxyUp } = await startNetwork(
    networkMode,
    m.network?.egress?.allowlist ?? [],
    paths,
    r,
  ).catch(async (e: unknown) => {
    await removeInstanceDir(o.home, name);
    throw e;
  });
  let fetchBroker: InstanceState["fetch"];
  const stopProxy = async () => {
    if (fetchBroker) await stopFetchBroker(fetchBroker.broker_pid, fetchBroker.config);
    if (network.proxy_pid && network.proxy_config)
      await stopEgressProxy(network.proxy_pid, network.proxy_config);
    await stopForwards(network.forwarder_pid, network.forwarder_config);
  };
  // The fetch broker (mvm.web_fetch / web_search, docs/fetch.md), in every network mode: its
  // socket listens before QEMU, whose fetch ports connect to it. Its config names secrets, never values.
  const broker = await startFetch(o.home, name, m, secrets.tokens, paths).catch(async (e: unknown) => {
    await stopProxy();
    await removeInstanceDir(o.home, name);
    throw e;
  });
  fetchBroker = broker.state;
  // The port forwarder is still waited for here: a host port it cannot bind fails `up` before
  // boot, as E_PORT_IN_USE naming the holder (network/ingress.ts).
  const inbound = await startForwards(o.home, name, forwards, paths, r).catch(async (e: unknown) => {
    await stopProxy();
    await removeInstanceDir(o.home, name);
    throw e;
  });
  if (inbound) {
    network.ports = inbound.ports;
    network.forwarder_pid = inbound.forwarder_pid;
    network.forwarder_config = inbound.forwarder_config;
    network.inbound_log = inbound.inbound_log;
  }
  const helpersUp = Promise.all([proxyUp, broker.ready]);
  let helperError: unknown;
  helpersUp.catch((e: unknown) => {
    helperError = e; // awaited (or raced) below, after QEMU started
  });
  /** Rejects with the first helper's failure; never resolves (a race arm next to the boot). */
  const helperFailed = helpersUp.then(() => new Promise<never>(() => undefined));
  helperFailed.catch(() => undefined);

  const driver = new QemuDriver(qemu);
  // Restores a fitting snapshot instead of booting, and saves the ready snapshot (up-snapshot.ts).
  const snapshots = new UpSnapshots({
    home: o.home,
    qemu,
    imageDir: image.dir,
    digest: m.digest,
    instanceDir: paths.dir,
    networkMode: network.mode,
    cold: o.cold,
    explicit: o.snapshot,
    reporter: r,
  });
  /** Starts QEMU and records the instance as starting. `first`: a failed start leaves nothing behind. */
  const launch = async (c: AccelChoice, first: boolean) => {
    r.step(`booting ${name} (${c.accel}, ${cpus} vCPU, ${memoryMiB} MiB)`);
    const tStart = performance.now();
    const vm = await snapshots
      .start(
        driver,
        {
          kernel: image.kernel,
          initrd: image.initrd,
          rootfs: image.rootfs,
          cpus,
          memoryMiB,
          accel: c.accel,
          cpuModel: c.cpuModel,
          networkMode,
          egressConnect: network.mode === "bridge" ? connectorArgv(paths.egressSocket) : undefined,
          hostForwards: inbound?.hostForwards,
          extraCmdline: inbound?.cmdline,
          fetchSocket: paths.fetchSocket,
          fetchPorts: FETCH_PORTS,
          consoleLog: paths.consoleLog,
          agentSocket: paths.agentSocket,
          qmpSocket: paths.qmpSocket,
          tscKhz: c.accel === "tcg" ? hostTscKhz() : undefined,
        },
        paths.vmmLog,
      )
      .catch(async (e: unknown) => {
        if (first) {
          // Nothing runs: leave no half-made instance behind.
          await stopProxy();
          await removeInstanceDir(o.home, name);
        }
        throw e;
      });
    const state: InstanceState = {
      state_version: STATE_VERSION,
      name,
      workload_id: m.workload_id,
      app: m.app,
      digest: m.digest,
      image_dir: image.dir,
      pid: vm.pid,
      accel: c.accel,
      vmm: "qemu",
      cpus,
      memory_mb: memoryMiB,
      status: "starting",
      started_at: new Date().toISOString(),
      boot_ms: null,
      agent_socket: paths.agentSocket,
      qmp_socket: paths.qmpSocket,
      console_log: paths.consoleLog,
      snapshot: snapshots.record(),
      network,
      fetch: fetchBroker,
    };
    await writeState(o.home, state);
    return { vm, state, tStart };
  };
  let { vm, state, tStart } = await launch(choice, true);

  let agent: AgentSession | undefined;
  /** From QEMU's start to the agent reporting ready (after_start passed): its hello. */
  const untilReady = async (): Promise<AgentHello> => {
    if (choice.accel === "kvm" && !snapshots.restoring) {
      // The probe passed, but this boot is the one that matters: if KVM kills or silences it
      // before init speaks, fall back to TCG once (or fail, with --accel kvm) and remember.
      const failure = await watchKvmBoot(vm.pid, paths, KVM_INIT_TIMEOUT_MS);
      if (failure) {
        // A helper that failed is the error (and its cleanup stopped this VM), not KVM; and no
        // second QEMU may start behind that cleanup.
        await helpersUp;
        await driver.stop(vm.pid, paths.qmpSocket, { graceMs: 0 }).catch(() => undefined);
        if (choice.probeKey) await recordKvmUnusable(probeCache, choice.probeKey, failure);
        if (request === "kvm") throw kvmUnavailable(`${name} did not boot under KVM: ${failure}`);
        r.warn(
          `KVM could not boot ${name} (${failure}); falling back to TCG software emulation once, boots take seconds`,
        );
        ({ vm, state, tStart } = await launch({ accel: "tcg" }, false));
      }
    }
    r.step("waiting for the agent");
    const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
    const alive = () => processAlive(vm.pid, paths.qmpSocket);
    // A restoring QEMU accepts the agent socket while it loads the state and resumes the guest
    // on its own when done: hello is answered the moment the guest runs. resume() meanwhile
    // watches for a load that fails (or leaves the guest paused), so neither waits on the other.
    const connected = connectAgent(paths.agentSocket, { deadline, alive }).then(async (session) => {
      agent = session; // closed by the failure path below even if hello never comes
      return { session, hello: await session.hello() };
    });
    const [{ session, hello }] = await Promise.all([
      connected,
      snapshots.restoring ? snapshots.resume(paths.qmpSocket, alive, deadline) : undefined,
    ]);
    agent = session;
    if (snapshots.restoring) await snapshots.reseed(agent, hello);
    let ready = hello.ready;
    let readyError = hello.ready_error;
    if (!ready && !readyError) r.step("waiting for after_start");
    while (!ready && !readyError) {
      if (!alive()) throw new MvmError("E_BOOT_FAILED", "the VM exited before the agent became ready");
      if (Date.now() > deadline) {
        throw new MvmError(
          "E_NOT_READY",
          `the workload did not become ready within ${o.readyTimeoutMs ?? 120_000} ms`,
          {
            hint: `the after_start hook kept failing; see \`mvmctl logs ${name}\``,
          },
        );
      }
      await sleep(100);
      ({ ready, ready_error: readyError } = await agent.ping());
    }
    if (!ready) {
      throw new MvmError("E_NOT_READY", `${name} did not become ready: ${readyError}`, {
        hint: `fix the hook named above, then \`mvmctl down ${name}\` and \`mvmctl up\` again; full log: \`mvmctl logs ${name}\``,
      });
    }
    return hello;
  };
  const booting = untilReady();
  booting.catch(() => undefined); // raced below; after a helper failure it ends with the VM
  try {
    // A helper that dies while the guest boots fails `up` at once, not after the boot's timeout.
    const hello = await Promise.race([booting, helperFailed]);
    const bootMs = Math.round(performance.now() - tStart);
    await helpersUp; // usually long done: a Node start is shorter than a restore
    const running: InstanceState = { ...state, status: "running", boot_ms: bootMs };
    await writeState(o.home, running);
    await snapshots.saveReady(running, hello);
    // The first invoke should not also wait for an interpreter to start: the primary entrypoint's
    // warm runner starts now, after the ready snapshot was taken (never inside it). A restored
    // guest's agent already did this after its reseed. Only an optimisation: a workload whose
    // primary is a command, or an older agent, simply starts it at the first call.
    if (!snapshots.restoring && hello.capabilities.includes("warm"))
      await agent?.warm().catch(() => undefined);
    running.snapshot = snapshots.record();
    await writeState(o.home, running);
    r.stageEnd("up", performance.now() - t0);
    return { state: running, bootMs, guestBootMs: hello.boot_ms };
  } catch (e) {
    if (e === helperError) {
      // A helper never came up: as when it failed before QEMU, nothing is left behind.
      await driver.stop(vm.pid, paths.qmpSocket, { graceMs: 0 }).catch(() => undefined);
      await booting.catch(() => undefined); // ends now that the VM is gone; then agent is final
      await stopProxy();
      await removeInstanceDir(o.home, name);
      throw e;
    }
    const reason = e instanceof Error ? e.message : String(e);
    await writeState(o.home, { ...state, status: "failed", error: reason });
    const tail = await tailLines(paths.consoleLog, 20);
    const vmmTail = await tailLines(paths.vmmLog, 5);
    if (tail.length) r.log(`last console lines (${paths.consoleLog}):`);
    for (const line of tail) r.log(`  ${line}`);
    for (const line of vmmTail) r.log(`  qemu: ${line}`);
    await driver.stop(vm.pid, paths.qmpSocket, { graceMs: 0 }).catch(() => undefined);
    await stopProxy();
    // QEMU's own last word (a bad flag, KVM refusing) is the cause when the VM never ran.
    const qemuSaid = vmmTail.filter((l) => !/terminating on signal/.test(l)).at(-1);
    if (isMvmError(e) && e.code === "E_BOOT_FAILED" && qemuSaid) {
      throw new MvmError("E_BOOT_FAILED", `${e.message}: ${qemuSaid}`, {
        hint: `see \`mvmctl logs ${name}\`; remove it with \`mvmctl down ${name}\``,
        cause: e,
      });
    }
    if (isMvmError(e) && e.code === "E_BOOT_FAILED") {
      throw new MvmError("E_BOOT_FAILED", e.message, {
        hint: `see \`mvmctl logs ${name}\`; remove it with \`mvmctl down ${name}\``,
        cause: e,
      });
    }
    if (isMvmError(e)) throw e;
    throw new MvmError("E_BOOT_FAILED", `${name} failed to boot: ${reason}`, {
      hint: `see \`mvmctl logs ${name}\`; remove it with \`mvmctl down ${name}\``,
      cause: e,
    });
  } finally {
    agent?.close();
  }
}

/**
 * Under KVM the guest's init prints its first "mvm-init:" line within a couple of seconds; 15 s of
 * silence (or QEMU dying first) means KVM cannot run this guest after all. Before init speaks no
 * workload code has run, so booting again under TCG repeats nothing observable.
 */
const KVM_INIT_TIMEOUT_MS = 15_000;

/** Resolves undefined once init spoke on the console, else the one-line reason KVM failed. */
async function watchKvmBoot(
  pid: number,
  paths: InstancePaths,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const con = await readFile(paths.consoleLog, "utf8").catch(() => "");
    if (con.includes("mvm-init:")) return undefined;
    if (!processAlive(pid, paths.qmpSocket)) {
      const said = (await tailLines(paths.vmmLog, 5)).filter((l) => !/terminating on signal/.test(l));
      return said[0] ?? "QEMU exited before the guest's init ran";
    }
    if (Date.now() > deadline) return `the guest's init printed nothing within ${timeoutMs / 1000} s`;
    await sleep(50);
  }
}

/**
 * Bridge mode: the egress proxy's socket listens before QEMU starts, so the guest's first
 * connection finds it (queued until the proxy serves). `ready`: the proxy serves.
 */
async function startNetwork(
  mode: string | null,
  allowlist: { host: string; port: number }[],
  paths: InstancePaths,
  r: Reporter,
): Promise<{ network: InstanceNetwork; ready: Promise<void> }> {
  if (mode !== "bridge") return { network: { mode: "none", egress: [] }, ready: Promise.resolve() };
  const egress = allowlist.map((g) => ({ host: g.host, port: g.port }));
  r.step(
    egress.length
      ? `network bridge: egress only to ${egress.map((g) => `${g.host}:${g.port}`).join(", ")}`
      : "network bridge: no egress declared, every connection will be refused",
  );
  const proxy = await launchEgressProxy(
    paths.egressConfig,
    {
      socket: paths.egressSocket,
      log: paths.egressLog,
      allowlist: egress,
      resolve: resolveOverrides(process.env.MVM_EGRESS_RESOLVE),
    },
    paths.egressProxyLog,
  );
  return {
    network: {
      mode: "bridge",
      egress,
      proxy_pid: proxy.pid,
      proxy_config: paths.egressConfig,
      egress_log: paths.egressLog,
    },
    ready: proxy.ready,
  };
}

async function startFetch(
  home: string,
  name: string,
  m: {
    network?: { egress?: { allowlist: { host: string; port: number }[] } | null } | null;
    secrets?: SecretBindings;
  },
  tokens: Record<string, string>,
  paths: InstancePaths,
): Promise<{ state: NonNullable<InstanceState["fetch"]>; ready: Promise<void> }> {
  const cfg = brokerConfig({
    socket: paths.fetchSocket,
    log: paths.fetchLog,
    instance: name,
    home,
    egress: (m.network?.egress?.allowlist ?? []).map((g) => ({ host: g.host, port: g.port })),
    secrets: m.secrets,
    tokens,
  });
  const b = await launchFetchBroker(paths.fetchConfig, cfg, paths.fetchBrokerLog);
  return { state: { broker_pid: b.pid, config: paths.fetchConfig, log: paths.fetchLog }, ready: b.ready };
}
