import type { CodeRow } from "./row.js";

export const runtimeCodes = {
  E_INSTANCE_NOT_FOUND: {
    summary: "No instance has that name.",
    hint: "list instances with `mvmctl ps`",
    exit: 1,
  },
  E_INSTANCE_EXISTS: {
    summary: "An instance with that name already exists.",
    hint: "stop it with `mvmctl down <name>` or pick another --name",
    exit: 1,
  },
  E_INSTANCE_NAME_INVALID: {
    summary: "The instance name is not allowed.",
    hint: "use 1-63 characters: lowercase letters, digits, '.', '_' or '-'",
    exit: 2,
  },
  E_INSTANCE_STATE_CORRUPT: {
    summary: "An instance's state.json cannot be read.",
    hint: "remove the instance with `mvmctl down <name>`",
    exit: 1,
  },
  E_INSTANCE_NOT_RUNNING: {
    summary: "The instance is not running (its VM failed or exited).",
    hint: "see `mvmctl logs <name>`, then clean up with `mvmctl down <name>`",
    exit: 1,
  },
  E_INSTANCE_PATH_TOO_LONG: {
    summary: "An instance socket path exceeds the unix socket limit (107 bytes).",
    hint: "use a shorter MVM_HOME or instance name",
    exit: 1,
  },
  E_IMAGE_NOT_FOUND: {
    summary: "No image in the store matches the compiled dir, workload id or digest.",
    hint: "build it with `mvmctl build <compiled dir>`",
    exit: 1,
  },
  E_IMAGE_AMBIGUOUS: {
    summary: "A digest prefix matches more than one image.",
    hint: "give more digits of the digest",
    exit: 1,
  },
  E_IMAGE_CORRUPT: {
    summary: "An image in the store is missing a file or has an unreadable image.json.",
    hint: "rebuild it with `mvmctl build --force <compiled dir>`",
    exit: 1,
  },
  E_VMM_NOT_FOUND: {
    summary: "The VMM binary (qemu-system-x86_64) is not installed.",
    hint: "install qemu-system-x86 or set MVM_QEMU=<path>",
    exit: 1,
  },
  E_VMM_UNSUPPORTED: {
    summary: "The requested VMM is not available.",
    hint: "use --vmm qemu",
    exit: 2,
  },
  E_KVM_UNAVAILABLE: {
    summary: "--accel kvm was requested but KVM cannot run a guest on this host.",
    hint: "drop --accel kvm to use TCG, or fix /dev/kvm access",
    exit: 1,
  },
  E_NETWORK_MODE_UNSUPPORTED: {
    summary:
      'The workload\'s network mode is not supported by this runtime ("host" is refused: it would bypass the egress allowlist).',
    hint: 'use network mode "none", or "bridge" with a declared egress allowlist',
    exit: 1,
  },
  E_EGRESS_PROXY_FAILED: {
    summary: "The host-side egress proxy of a bridge-mode instance did not start.",
    hint: "see egress-proxy.log in the instance directory",
    exit: 1,
  },
  E_FETCH_BROKER_FAILED: {
    summary: "The host-side fetch broker of an instance (mvm.web_fetch, mvm.web_search) did not start.",
    hint: "see fetch-broker.log in the instance directory",
    exit: 1,
  },
  E_FETCH_DENIED: {
    summary:
      "A guest web_fetch/web_search was refused by host policy: a host or port the workload was not granted, a non-public address, a scheme not allowed, or a secret token sent to a host outside that secret's hosts.",
    hint: "declare the host (egress allowlist, or the secret's hosts=[...]) and rebuild; `mvmctl logs <name> --egress` shows the decision",
    exit: 1,
  },
  E_FETCH_TIMEOUT: {
    summary: "A guest web_fetch/web_search did not complete within its timeout.",
    hint: "raise timeout= (at most 120 s) or check the upstream service",
    exit: 1,
  },
  E_FETCH_TOO_LARGE: {
    summary:
      "A guest web_fetch request or its response is over the broker's size cap (1 MiB request, 8 MiB response).",
    hint: "request less data (a range, a page, a smaller query)",
    exit: 1,
  },
  E_FETCH_UPSTREAM: {
    summary:
      "The upstream of a guest web_fetch/web_search could not be reached or failed (DNS, connection, TLS verification, a malformed reply).",
    hint: "check the URL and that the service is up; `mvmctl logs <name> --egress` shows the reason",
    exit: 1,
  },
  E_FETCH_INVALID: {
    summary: "A guest web_fetch/web_search request is malformed (URL, method, header names or values, body).",
    hint: "pass an absolute https:// URL and string header names and values",
    exit: 2,
  },
  E_FETCH_UNAVAILABLE: {
    summary:
      "mvm.web_fetch/web_search is not available: not running in an mvm guest, the broker is not connected, or (web_search) no search provider is configured on the host.",
    hint: "call it from a function running in an mvm microVM; for web_search set MVM_SEARCH_URL before `mvmctl up` (docs/fetch.md)",
    exit: 1,
  },
  E_PORT_IN_USE: {
    summary:
      "A port forward's host address and port is already taken, by another mvm instance (named) or by another process; checked before boot.",
    hint: "stop the holder, or give this instance another host port with `mvmctl up --port MAPPING=PORT` (0 picks a free one)",
    exit: 1,
  },
  E_PORT_UNSUPPORTED: {
    summary:
      'A port forward asks for what this runtime does not do yet: proto "udp", or transform "http" or "tls" (only opaque TCP is forwarded).',
    hint: 'declare proto "tcp" and transform "opaque" (the defaults), or leave the forward out',
    exit: 1,
  },
  E_PORT_MAPPING_UNKNOWN: {
    summary: "`up --port MAPPING=PORT` names a mapping_id the workload does not declare.",
    hint: "use one of the workload's ports[].mapping_id (see its launch.json), e.g. --port web=0",
    exit: 2,
  },
  E_INGRESS_FORWARDER_FAILED: {
    summary: "The host-side port forwarder of an instance did not start.",
    hint: "see ingress-forwarder.log in the instance directory",
    exit: 1,
  },
  E_NO_INBOUND_LOG: {
    summary: "`logs --inbound` was asked of an instance that forwards no ports.",
    hint: 'only a network mode "bridge" workload with declared ports has an inbound connection log',
    exit: 1,
  },
  E_NO_EGRESS_LOG: {
    summary: "`logs --egress` was asked of an instance without an egress proxy (network mode none).",
    hint: 'only network mode "bridge" has an egress proxy and its decision log',
    exit: 1,
  },
  E_BOOT_FAILED: {
    summary: "The microVM did not boot to a working agent.",
    hint: "see `mvmctl logs <name>`; remove it with `mvmctl down <name>`",
    exit: 1,
  },
  E_NOT_READY: {
    summary: "The workload did not become ready (a boot hook failed or after_start never passed).",
    hint: "fix the named hook, then `mvmctl down <name>` and `mvmctl up` again",
    exit: 1,
  },
  E_INVOKE_TIMEOUT: {
    summary: "The call did not finish within its timeout; it was stopped.",
    hint: "raise --timeout or make the function faster",
    exit: 124,
  },
  E_WRAPPER_CRASHED: {
    summary: "The runner process died from a signal (for example out of memory).",
    hint: "check `mvmctl logs <name>` and the workload's memory_mb",
    exit: 137,
  },
  E_INVOKE_ARGUMENTS: {
    summary: "The call's arguments do not match the function's parameters.",
    hint: "pass each parameter as --input NAME=VALUE; the error names the missing or unknown one",
    exit: 1,
  },
  E_USER_EXCEPTION: {
    summary: "The function raised an exception.",
    hint: "its kind and message are shown; fix the function or its input",
    exit: 1,
  },
  E_INVOKE_FAILED: {
    summary: "The call failed without a result or an error envelope.",
    hint: "see the runner's stderr above and `mvmctl logs <name>`",
    exit: 1,
  },
  E_UNSUPPORTED: {
    summary: "The operation is not supported by this VMM driver yet.",
    hint: "use `mvmctl up` to boot the image",
    exit: 1,
  },
  // The guest agent's error kinds (docs/protocol.md), as the host reports them.
  E_PAYLOAD_CAP: {
    summary: "A call's stdin, stdout or stderr went over the 16 MiB cap.",
    hint: "pass large data through files (`mvmctl fs write` / `fs read`)",
    exit: 1,
  },
  E_AGENT_BUSY: {
    summary: "The guest agent is already running as many calls as it allows.",
    hint: "retry when the running call finishes",
    exit: 1,
  },
  E_ENTRYPOINT_INVALID: {
    summary: "The entrypoint named by the call does not exist in the image or cannot be called.",
    hint: "check the entrypoint name (`mvmctl invoke --fn`) and rebuild the image with `mvmctl build`",
    exit: 1,
  },
  E_GUEST_NOT_FOUND: {
    summary: "A path or program does not exist inside the guest.",
    hint: "check the path inside the guest",
    exit: 1,
  },
  E_GUEST_PERMISSION_DENIED: {
    summary: "The guest refused the operation.",
    hint: "the root filesystem is read-only below its tmpfs overlay; write under /tmp or /run",
    exit: 1,
  },
  E_AGENT_UNSUPPORTED: {
    summary: "The image's agent does not offer that operation.",
    hint: "exec needs a dev image: build without --production",
    exit: 1,
  },
  E_AGENT_PROTOCOL: {
    summary:
      "The host and the guest agent disagree about the protocol, or the guest sent a malformed message.",
    hint: "rebuild the image with this mvmctl",
    exit: 1,
  },
  E_AGENT_INTERNAL: {
    summary: "The guest agent failed internally.",
    hint: "see the guest console log (`mvmctl logs <name>`)",
    exit: 1,
  },
  E_AGENT_DISCONNECTED: {
    summary: "The channel to the guest agent closed.",
    hint: "check that the instance still runs (`mvmctl ps`)",
    exit: 1,
  },
  E_AGENT_NO_REPLY: {
    summary: "The guest agent did not answer in time.",
    hint: "see the guest console log (`mvmctl logs <name>`)",
    exit: 1,
  },
} satisfies Record<string, CodeRow>;
