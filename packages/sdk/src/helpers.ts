// The declaration helpers, in both spellings (localPath / local_path). Each checks its arguments
// now, with the static compiler's codes and messages, and returns an opaque value for app().
import { lowerHelper } from "@mvm/ir/declare";
import { collecting } from "./check.js";
import { fromValue, HELPER, type HelperValue } from "./values.js";

export const LANGUAGE = "node";

type Strings = readonly string[];

function call<N extends string>(name: N, called: string, args: unknown[]): HelperValue<N> {
  // A left-out argument arrives as undefined: treat trailing ones as not given, as static does.
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return collecting((report) => {
    const lits = args.slice(0, n).map((a, i) => fromValue(a, report, `${called}() argument ${i + 1}`));
    const out = lowerHelper(name, called, lits, undefined, LANGUAGE, report);
    return { [HELPER]: { name, ir: out.t === "helper" ? out.ir : undefined } } as HelperValue<N>;
  });
}

export interface LocalPathOptions {
  include?: Strings;
  exclude?: Strings;
}
export interface PythonImageOptions {
  python?: string;
  packages?: Strings;
}
export interface NodeImageOptions {
  node?: string | number;
  packages?: Strings;
}
export interface ResourcesOptions {
  cpu_cores?: number;
  cpu?: number;
  memory_mb?: number;
  rootfs_size_mb?: number;
}
export type HostPort = HelperValue<"host_port"> | { host: string; port: number };
export interface NetworkOptions {
  mode?: "none" | "bridge" | "host" | "deny";
  ports?: readonly Record<string, unknown>[];
  egress?: HelperValue<"egress"> | readonly HostPort[];
  dns?: HelperValue<"dns_system" | "dns_none" | "dns_resolver"> | Record<string, unknown>;
  allow_https?: Strings;
  /** Build-time egress: what before_build hooks and npm install scripts may reach (builder VM). */
  build_egress?: HelperValue<"egress"> | readonly HostPort[];
}
export interface SecretOptions {
  var?: string;
  type?: "bearer" | "basic" | "hmac" | "sigv4";
  hosts?: Strings;
}
export interface EntrypointFunctionOptions {
  module: string;
  function: string;
  primary?: boolean;
  language?: "python" | "node";
  format?: "json" | "msgpack";
}
export interface EntrypointOptions {
  command: Strings;
  working_dir?: string;
  env?: Record<string, string>;
}
export interface DepsOptions {
  lockfile: string;
  tool?: string;
}
export type HookValue = string | Strings | HelperValue<"hook">;

export const localPath = (path: string, opts?: LocalPathOptions) =>
  call("local_path", "localPath", opts ? [path, opts] : [path]);
export const local_path = (path: string, opts?: LocalPathOptions) =>
  call("local_path", "local_path", opts ? [path, opts] : [path]);
export const pythonImage = (opts?: PythonImageOptions) =>
  call("python_image", "pythonImage", opts ? [opts] : []);
export const python_image = (opts?: PythonImageOptions) =>
  call("python_image", "python_image", opts ? [opts] : []);
export const nodeImage = (opts?: NodeImageOptions) => call("node_image", "nodeImage", opts ? [opts] : []);
export const node_image = (opts?: NodeImageOptions) => call("node_image", "node_image", opts ? [opts] : []);
export const nixPackages = (packages: Strings) => call("nix_packages", "nixPackages", [packages]);
export const nix_packages = (packages: Strings) => call("nix_packages", "nix_packages", [packages]);
export const resources = (opts?: ResourcesOptions) => call("resources", "resources", opts ? [opts] : []);
export const network = (opts?: NetworkOptions) => call("network", "network", opts ? [opts] : []);
export const egress = (allowlist: readonly HostPort[]) => call("egress", "egress", [allowlist]);
export const hostPort = (host: string, port: number) => call("host_port", "hostPort", [host, port]);
export const host_port = (host: string, port: number) => call("host_port", "host_port", [host, port]);
export const dnsSystem = () => call("dns_system", "dnsSystem", []);
export const dns_system = () => call("dns_system", "dns_system", []);
export const dnsNone = () => call("dns_none", "dnsNone", []);
export const dns_none = () => call("dns_none", "dns_none", []);
export const dnsResolver = (host: string, port?: number | { port?: number }) =>
  call("dns_resolver", "dnsResolver", port === undefined ? [host] : [host, port]);
export const dns_resolver = (host: string, port?: number | { port?: number }) =>
  call("dns_resolver", "dns_resolver", port === undefined ? [host] : [host, port]);
export const literal = (value: string) => call("literal", "literal", [value]);
export const secret = (name: string, opts?: SecretOptions) =>
  call("secret", "secret", opts ? [name, opts] : [name]);
export const hook = (cmd: string | Strings) => call("hook", "hook", [cmd]);
export const entrypointFunction = (opts: EntrypointFunctionOptions) =>
  call("entrypoint_function", "entrypointFunction", [opts]);
export const entrypoint_function = (opts: EntrypointFunctionOptions) =>
  call("entrypoint_function", "entrypoint_function", [opts]);
export const entrypoint = (opts: EntrypointOptions) => call("entrypoint", "entrypoint", [opts]);
export const pythonDeps = (opts: DepsOptions) => call("python_deps", "pythonDeps", [opts]);
export const python_deps = (opts: DepsOptions) => call("python_deps", "python_deps", [opts]);
export const nodeDeps = (opts: DepsOptions) => call("node_deps", "nodeDeps", [opts]);
export const node_deps = (opts: DepsOptions) => call("node_deps", "node_deps", [opts]);
export const noDeps = () => call("no_deps", "noDeps", []);
export const no_deps = () => call("no_deps", "no_deps", []);
