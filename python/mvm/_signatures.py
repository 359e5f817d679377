"""Helper signatures, shared word for word with the static compiler
(packages/mvmctl/src/compile/frontends/python/helpers.ts; a test keeps them equal).

Each entry: (positional-or-keyword parameters, keyword-only parameters, required parameters).
Binding goes through these tables instead of Python's own argument handling so that a mistake
raises the same code and message as ``mvmctl compile`` reports for the same source.
"""

from __future__ import annotations

Signature = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]

APP_KEYWORDS = (
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

SIGNATURES: dict[str, Signature] = {
    "app": ((), APP_KEYWORDS, ("image",)),
    "workload": ((), ("id",), ("id",)),
    "local_path": (("path",), ("include", "exclude"), ("path",)),
    "python_image": ((), ("python", "packages"), ()),
    "node_image": ((), ("node", "packages"), ()),
    "nix_packages": (("packages",), (), ("packages",)),
    "resources": ((), ("cpu_cores", "cpu", "memory_mb", "rootfs_size_mb"), ()),
    "network": ((), ("mode", "ports", "egress", "dns", "allow_https"), ()),
    "egress": (("allowlist",), (), ("allowlist",)),
    "host_port": (("host", "port"), (), ("host", "port")),
    "dns_system": ((), (), ()),
    "dns_none": ((), (), ()),
    "dns_resolver": (("host", "port"), (), ("host",)),
    "literal": (("value",), (), ("value",)),
    "secret": (("name",), ("var", "type", "hosts"), ("name",)),
    "hook": (("cmd",), (), ("cmd",)),
    "entrypoint_function": ((), ("module", "function", "primary", "language", "format"), ("module", "function")),
    "entrypoint": ((), ("command", "working_dir", "env"), ("command",)),
    "python_deps": ((), ("lockfile", "tool"), ("lockfile",)),
    "node_deps": ((), ("lockfile", "tool"), ("lockfile",)),
    "no_deps": ((), (), ()),
}
