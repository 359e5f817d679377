import type { CodeRow } from "./row.js";

// Codes of spec/workload-ir.md §3. Append-only: never rename or reuse a code.
export const irCodes = {
  E_MALFORMED_VERSION: {
    summary: "schema_version is not of the form MAJOR.MINOR",
    hint: 'set "schema_version": "0.1"',
    exit: 1,
  },
  E_UNSUPPORTED_MAJOR: {
    summary: "the IR's major schema version is not supported by this host",
    hint: 'this host reads schema 0.x; write "schema_version": "0.1"',
    exit: 1,
  },
  E_MINOR_TOO_HIGH: {
    summary: "the IR's minor schema version is newer than this host understands",
    hint: "upgrade mvmctl, or write the IR for schema 0.1 (hosts accept 0.x with x <= 2)",
    exit: 1,
  },
  E_UNKNOWN_FIELD: {
    summary: "a field that the Workload IR does not define",
    hint: "remove the field or fix its spelling (see docs/ir.md)",
    exit: 1,
  },
  E_MALFORMED_MANIFEST: {
    summary: "the input is not valid JSON or a value has the wrong type",
    hint: "fix the value at the path shown (see docs/ir.md for each field's type)",
    exit: 1,
  },
  E_INVALID_ID: {
    summary: "an id (workload id, app name, peer, volume) does not match ^[a-z][a-z0-9-]{0,62}$",
    hint: "use lowercase letters, digits and '-', starting with a letter, at most 63 characters",
    exit: 1,
  },
  E_EMPTY_APPS: {
    summary: "the workload declares no app",
    hint: "declare exactly one app in apps[]",
    exit: 1,
  },
  E_MULTI_APP_DEFERRED: {
    summary: "more than one app in a workload is not supported yet (v0)",
    hint: "split the apps into separate workloads",
    exit: 1,
  },
  E_SOURCE_KIND_DEFERRED: {
    summary: "this source kind is defined by the IR but not supported by this host yet",
    hint: 'use a local_path source: {"kind": "local_path", "path": "."}',
    exit: 1,
  },
  E_SECRET_WITHOUT_BINDING: {
    summary: "a secret reference has no allowed hosts, so it is never released",
    hint: 'name the hosts that may receive it: mvm.secret("name", hosts=["api.example.com"])',
    exit: 0,
    severity: "warning",
  },
  E_NETWORK_PORTS_WITH_NONE: {
    summary: 'network mode "none" cannot have ports or egress grants',
    hint: 'remove the ports/egress, or use mode "bridge" for a workload that needs them',
    exit: 1,
  },
  E_NETWORK_WILDCARD: {
    summary: "a network grant is a wildcard (*, 0.0.0.0, ::, /0 or empty)",
    hint: 'name the concrete host and port, e.g. host_port("api.example.com", 443)',
    exit: 1,
  },
  E_EGRESS_FORBIDDEN_HOST: {
    summary:
      "an egress grant (or a secret's allowed host) names a host-local, private, link-local, metadata or otherwise non-public destination",
    hint: "grant only public destinations (e.g. api.example.com); egress never reaches the host's own or private addresses",
    exit: 1,
  },
  E_NETWORK_INVALID_PORT: {
    summary: "a port is outside 1-65535",
    hint: "use a port between 1 and 65535",
    exit: 1,
  },
  E_INGRESS_INVALID_MAPPING: {
    summary: "a port forward is invalid",
    hint: "port forwards bind 127.0.0.1 on the host, have an id-shaped mapping_id, and tls needs tls_secret",
    exit: 1,
  },
  E_INGRESS_DUPLICATE_MAPPING: {
    summary: "two port forwards share a mapping_id",
    hint: "give each port forward its own mapping_id",
    exit: 1,
  },
  E_INGRESS_DUPLICATE_BIND: {
    summary: "two port forwards bind the same host address, port and protocol",
    hint: "use a different host port for one of them",
    exit: 1,
  },
  E_INGRESS_GUEST_NOT_LOOPBACK: {
    summary: "a port forward's guest address is not 127.0.0.1",
    hint: 'set guest_addr to "127.0.0.1"',
    exit: 1,
  },
  E_FUNCTION_NETWORK_HOST_FORBIDDEN: {
    summary: 'function entrypoints cannot run with network mode "host"',
    hint: 'use mode "none", or "bridge" with explicit egress',
    exit: 1,
  },
  E_UNSUPPORTED_LANGUAGE: {
    summary: "a function entrypoint's language is not supported",
    hint: 'use language "python" or "node"',
    exit: 1,
  },
  E_SHELL_ENTRYPOINT_FORBIDDEN: {
    summary: "a command entrypoint runs a shell",
    hint: 'run the program directly as argv, e.g. ["python3", "/app/worker.py"]; put shell setup in a hook',
    exit: 1,
  },
  E_NO_PRIMARY_ENTRYPOINT: {
    summary: "several entrypoints but none is primary",
    hint: "mark the default one with primary=True",
    exit: 1,
  },
  E_MULTIPLE_PRIMARY_ENTRYPOINTS: {
    summary: "more than one entrypoint is marked primary",
    hint: "mark exactly one entrypoint primary",
    exit: 1,
  },
  E_DUPLICATE_ENTRYPOINT_FUNCTION: {
    summary: "two entrypoints name the same function",
    hint: "each function entrypoint needs its own function name",
    exit: 1,
  },
  E_SECRET_IN_SCHEMA: {
    summary: "an args/return schema refers to a secret",
    hint: "secrets reach the guest as env references, never through function arguments or results",
    exit: 1,
  },
  E_PERSIST_DEFERRED: {
    summary: "persistent volumes are not supported yet",
    hint: "set persist: false",
    exit: 1,
  },
  E_LOCKFILE_NOT_FOUND: {
    summary: "the declared lockfile is not in the bundled source",
    hint: "create the lockfile (uv lock / npm install) and include it in source include=[...]",
    exit: 1,
  },
  E_UNPINNED_DEPS: {
    summary: "the lockfile does not pin its packages with integrity hashes",
    hint: "regenerate it with hashes (uv lock, pip-compile --generate-hashes, npm install)",
    exit: 1,
  },
  E_FUNCTION_NOT_FOUND: {
    summary: "a function entrypoint's module or function is not in the bundled source",
    hint: "check module= and function=, and that source include=[...] bundles the module",
    exit: 1,
  },
  E_SOURCE_PATH_NOT_FOUND: {
    summary: "the source path does not exist",
    hint: "local_path is resolved against the declaration file's directory (or the IR file's)",
    exit: 1,
  },
  E_SOURCE_OUT_OF_TREE_SYMLINK: {
    summary: "a source file is a symlink that points outside the source tree",
    hint: "copy the file into the tree or exclude it",
    exit: 1,
  },
  E_SOURCE_GLOB_INVALID: {
    summary: "an include/exclude pattern is invalid",
    hint: "use relative glob patterns like src/** without '..' or a leading '/'",
    exit: 1,
  },
  E_COMPILE_OUTPUT_EXISTS_NOT_DIR: {
    summary: "--out names an existing path that is not a directory",
    hint: "choose another --out, or remove the file",
    exit: 1,
  },
  E_RESOURCES_OUT_OF_RANGE: {
    summary: "a resource value is outside the range this host allows",
    hint: "cpu_cores 1-32, memory_mb 64-65536, rootfs_size_mb 64-65536",
    exit: 1,
  },
} satisfies Record<string, CodeRow>;
