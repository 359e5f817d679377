# Generated from packages/ir/src/declare/tables.ts by packages/ir/scripts/gen-python-tables.ts;
# do not edit. Regenerate with `npm run python:tables` (a drift test fails when this is stale).
"""The declaration data the Python SDK shares with the TypeScript declaration core."""

from __future__ import annotations

# helper -> (positional parameters in order, every accepted name, required names)
SIGNATURES = {
    "app": (
        (),
        (
            "name",
            "source",
            "image",
            "resources",
            "network",
            "env",
            "entrypoint",
            "entrypoints",
            "dependencies",
            "addons",
            "before_build",
            "before_start",
            "after_start",
            "before_stop",
        ),
        (),
    ),
    "local_path": (("path",), ("path", "include", "exclude"), ("path",)),
    "python_image": ((), ("python", "packages"), ()),
    "node_image": ((), ("node", "packages"), ()),
    "nix_packages": (("packages",), ("packages",), ("packages",)),
    "resources": ((), ("cpu_cores", "cpu", "memory_mb", "rootfs_size_mb"), ()),
    "network": ((), ("mode", "ports", "egress", "dns", "allow_https", "build_egress"), ()),
    "egress": (("allowlist",), ("allowlist",), ("allowlist",)),
    "host_port": (("host", "port"), ("host", "port"), ("host", "port")),
    "dns_system": ((), (), ()),
    "dns_none": ((), (), ()),
    "dns_resolver": (("host", "port"), ("host", "port"), ("host",)),
    "literal": (("value",), ("value",), ("value",)),
    "secret": (("name",), ("name", "var", "type", "hosts"), ("name",)),
    "hook": (("cmd",), ("cmd",), ("cmd",)),
    "entrypoint_function": (
        (),
        ("module", "function", "primary", "language", "format"),
        ("module", "function"),
    ),
    "entrypoint": ((), ("command", "working_dir", "env"), ("command",)),
    "python_deps": ((), ("lockfile", "tool"), ("lockfile",)),
    "node_deps": ((), ("lockfile", "tool"), ("lockfile",)),
    "no_deps": ((), (), ()),
    "workload": ((), ("id",), ("id",)),
}

# app()'s keywords (image is required, checked when the app is built)
APP_KEYS = (
    "name",
    "source",
    "image",
    "resources",
    "network",
    "env",
    "entrypoint",
    "entrypoints",
    "dependencies",
    "addons",
    "before_build",
    "before_start",
    "after_start",
    "before_stop",
)

# hook phases of an app and of each addon
HOOK_PHASES = ("before_build", "before_start", "after_start", "before_stop")

# closed sets of strings (E_BAD_KWARG when a declaration gives another)
ENUMS = {
    "network_mode": ("none", "bridge", "host", "deny"),
    "ir_network_mode": ("none", "bridge", "host"),
    "secret_type": ("bearer", "basic", "hmac", "sigv4"),
    "entrypoint_format": ("json", "msgpack"),
    "python_deps_tool": ("uv", "pip_tools"),
    "node_deps_tool": ("npm", "pnpm", "yarn"),
    "port_proto": ("tcp", "udp"),
    "port_transform": ("opaque", "http", "tls"),
    "mount_mode": ("ro", "rw"),
    "threat_tier": ("untrusted", "trusted"),
}

# the keys of a network(ports=[...]) entry
PORT_KEYS = (
    "mapping_id",
    "proto",
    "host_addr",
    "host",
    "guest_addr",
    "guest",
    "transform",
    "tls_secret",
)

# the keys a port forward cannot do without
PORT_REQUIRED = ("mapping_id", "host", "guest")

# every default of the helpers and of the IR
DEFAULTS = {
    "resources": {
        "cpu_cores": 1,
        "memory_mb": 256,
        "rootfs_size_mb": 512,
    },
    "local_path": {
        "include": ("**",),
        "exclude": (),
    },
    "source_path": ".",
    "python_version": "3.12",
    "node_version": "22",
    "dns_port": 53,
    "secret_type": "bearer",
    "entrypoint": {
        "format": "json",
        "working_dir": "/app",
        "primary": False,
    },
    "python_deps_tool": "uv",
    "node_deps_tool": "npm",
    "port_forward": {
        "proto": "tcp",
        "host_addr": "127.0.0.1",
        "guest_addr": "127.0.0.1",
        "transform": "opaque",
    },
    "network_mode": "none",
    "https_port": 443,
    "threat_tier": "untrusted",
    "mount_mode": "ro",
}

# inclusive ranges (E_RESOURCES_OUT_OF_RANGE)
RESOURCE_LIMITS = {
    "cpu_cores": (1, 32),
    "memory_mb": (64, 65536),
    "rootfs_size_mb": (64, 65536),
}

# app, addon and workload ids (E_INVALID_ID)
ID_PATTERN = "^[a-z][a-z0-9-]{0,62}$"
