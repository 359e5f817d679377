// The public surface, listed explicitly (index.ts also offers it as the default export).
export { type AppOptions, app, workload } from "./app.js";
export { emitJson } from "./emit.js";
export { type ExecOptions, type ExecResult, type FileEntry, type FileInfo, Sandbox, type SandboxOptions, type StartedCommand, sdkMode, type UpInfo } from "./sandbox.js";
export { LiveError, MvmError, NotFoundError, SdkModeError, TimeoutError, UnsupportedError, type Diagnostic, type Location } from "./errors.js";
export {
  dns_none,
  dns_resolver,
  dns_system,
  dnsNone,
  dnsResolver,
  dnsSystem,
  egress,
  entrypoint,
  entrypoint_function,
  entrypointFunction,
  hook,
  host_port,
  hostPort,
  literal,
  local_path,
  localPath,
  network,
  nix_packages,
  nixPackages,
  no_deps,
  node_deps,
  node_image,
  noDeps,
  nodeDeps,
  nodeImage,
  python_deps,
  python_image,
  pythonDeps,
  pythonImage,
  resources,
  secret,
} from "./helpers.js";
export type { HelperValue } from "./values.js";
