"""The declaration helpers of spec §4. Each checks its arguments at call time and returns a
``Helper`` carrying the IR it stands for; ``@mvm.app(...)`` assembles them into a Workload."""

from __future__ import annotations

import json
import re
from typing import Any

from ._checks import (
    Helper,
    bad,
    bind,
    check_bool,
    check_helper,
    check_int,
    check_non_empty_str,
    check_one_of,
    check_str,
    check_str_list,
    check_str_map,
    dict_key,
)
from ._errors import MvmError

_PORT_KEYS = ("mapping_id", "proto", "host_addr", "host", "guest_addr", "guest", "transform", "tls_secret")


def _given(a: dict[str, Any], name: str) -> bool:
    """None means "not given" for optional keywords, as the static compiler reads it."""
    return a.get(name) is not None


def local_path(*args: Any, **kwargs: Any) -> Helper:
    a = bind("local_path", args, kwargs)
    path = check_str("local_path", "path", a["path"])
    include = check_str_list("local_path", "include", a["include"]) if _given(a, "include") else ["**"]
    exclude = check_str_list("local_path", "exclude", a["exclude"]) if _given(a, "exclude") else []
    return Helper("local_path", "source", {"kind": "local_path", "path": path, "include": include, "exclude": exclude})


def python_image(*args: Any, **kwargs: Any) -> Helper:
    a = bind("python_image", args, kwargs)
    python = check_str("python_image", "python", a["python"]) if _given(a, "python") else "3.12"
    packages = check_str_list("python_image", "packages", a["packages"]) if _given(a, "packages") else []
    if not re.fullmatch(r"\d+\.\d+", python):
        raise MvmError("E_BAD_KWARG", f'mvm.python_image(): python must be a version like "3.12", got {json.dumps(python, ensure_ascii=False)}')
    return Helper("python_image", "image", {"kind": "nix_packages", "packages": ["python" + python.replace(".", ""), *packages]})


def node_image(*args: Any, **kwargs: Any) -> Helper:
    a = bind("node_image", args, kwargs)
    node = check_str("node_image", "node", a["node"]) if _given(a, "node") else "22"
    packages = check_str_list("node_image", "packages", a["packages"]) if _given(a, "packages") else []
    if not re.fullmatch(r"\d+", node):
        raise MvmError("E_BAD_KWARG", f'mvm.node_image(): node must be a major version like "22", got {json.dumps(node, ensure_ascii=False)}')
    return Helper("node_image", "image", {"kind": "nix_packages", "packages": [f"nodejs_{node}", *packages]})


def nix_packages(*args: Any, **kwargs: Any) -> Helper:
    a = bind("nix_packages", args, kwargs)
    return Helper("nix_packages", "image", {"kind": "nix_packages", "packages": check_str_list("nix_packages", "packages", a["packages"])})


def resources(*args: Any, **kwargs: Any) -> Helper:
    a = bind("resources", args, kwargs)
    if _given(a, "cpu") and _given(a, "cpu_cores"):
        raise MvmError("E_BAD_KWARG", "mvm.resources(): give cpu_cores or cpu, not both", hint="keep one of them")
    cpu_key = "cpu" if _given(a, "cpu") else "cpu_cores"
    out = {"cpu_cores": 1, "memory_mb": 256, "rootfs_size_mb": 512}
    for key, src in (("cpu_cores", cpu_key), ("memory_mb", "memory_mb"), ("rootfs_size_mb", "rootfs_size_mb")):
        if _given(a, src):
            out[key] = check_int("resources", src, a[src])
    return Helper("resources", "resources", out)


def _port_forward(i: int, item: Any) -> dict[str, Any]:
    what = f"ports[{i}]"
    if not isinstance(item, dict):
        raise bad("network", what, "a dict", item)
    keys = [dict_key(k) for k in item]
    for k in keys:
        if k not in _PORT_KEYS:
            raise MvmError("E_UNKNOWN_KWARG", f'mvm.network(): {what} has no key "{k}"; it takes {", ".join(_PORT_KEYS)}')
    for req in ("mapping_id", "host", "guest"):
        if req not in item:
            raise MvmError("E_MISSING_KWARG", f'mvm.network(): {what} needs "{req}"')
    out: dict[str, Any] = {
        "mapping_id": check_str("network", f"{what}.mapping_id", item["mapping_id"]),
        "proto": check_one_of("network", f"{what}.proto", item["proto"], ("tcp", "udp")) if "proto" in item else "tcp",
        "host_addr": check_str("network", f"{what}.host_addr", item["host_addr"]) if "host_addr" in item else "127.0.0.1",
        "host": check_int("network", f"{what}.host", item["host"]),
        "guest_addr": check_str("network", f"{what}.guest_addr", item["guest_addr"]) if "guest_addr" in item else "127.0.0.1",
        "guest": check_int("network", f"{what}.guest", item["guest"]),
        "transform": check_one_of("network", f"{what}.transform", item["transform"], ("opaque", "http", "tls"))
        if "transform" in item
        else "opaque",
    }
    if "tls_secret" in item:
        out["tls_secret"] = check_str("network", f"{what}.tls_secret", item["tls_secret"])
    return out


def network(*args: Any, **kwargs: Any) -> Helper:
    a = bind("network", args, kwargs)
    mode = check_one_of("network", "mode", a["mode"], ("none", "bridge", "host", "deny")) if _given(a, "mode") else "none"
    ports: list[dict[str, Any]] = []
    if _given(a, "ports"):
        if not isinstance(a["ports"], (list, tuple)):
            raise bad("network", "ports", "a list of dicts", a["ports"])
        ports = [_port_forward(i, p) for i, p in enumerate(a["ports"])]
    # egress= takes mvm.egress([...]) or, as the TypeScript SDK does, a plain list of host_port(...).
    egress_h = None
    if isinstance(a.get("egress"), (list, tuple)):
        egress_h = Helper("egress", "egress", {"allowlist": _allowlist("network", "egress", a["egress"])})
    elif _given(a, "egress"):
        egress_h = check_helper("network", "egress", a["egress"], ("egress",), "mvm.egress([...]) or a list of mvm.host_port(...)")
    https = check_str_list("network", "allow_https", a["allow_https"]) if _given(a, "allow_https") else []
    dns_h = (
        check_helper("network", "dns", a["dns"], ("dns",), "mvm.dns_system(), mvm.dns_none() or mvm.dns_resolver(...)")
        if _given(a, "dns")
        else None
    )
    allow = [dict(g) for g in (egress_h.ir["allowlist"] if egress_h else [])]
    allow += [{"host": h, "port": 443} for h in https]
    keep_egress = egress_h is not None or len(https) > 0
    if mode == "deny":
        # Closed unless the declaration names grants; then a bridge limited to exactly those.
        mode = "bridge" if allow else "none"
        keep_egress = len(allow) > 0
    out: dict[str, Any] = {"mode": mode, "ports": ports}
    if keep_egress:
        out["egress"] = {"allowlist": allow}
    if dns_h is not None:
        out["dns"] = dict(dns_h.ir)
    return Helper("network", "network", out)


def egress(*args: Any, **kwargs: Any) -> Helper:
    a = bind("egress", args, kwargs)
    return Helper("egress", "egress", {"allowlist": _allowlist("egress", "allowlist", a["allowlist"])})


def _allowlist(helper: str, what: str, v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, (list, tuple)):
        raise bad(helper, what, "a list of mvm.host_port(...)", v)
    return [dict(check_helper(helper, f"{what}[{i}]", h, ("host_port",), "mvm.host_port(...)").ir) for i, h in enumerate(v)]


def host_port(*args: Any, **kwargs: Any) -> Helper:
    a = bind("host_port", args, kwargs)
    return Helper("host_port", "host_port", {"host": check_str("host_port", "host", a["host"]), "port": check_int("host_port", "port", a["port"])})


def dns_system(*args: Any, **kwargs: Any) -> Helper:
    bind("dns_system", args, kwargs)
    return Helper("dns_system", "dns", {"kind": "system"})


def dns_none(*args: Any, **kwargs: Any) -> Helper:
    bind("dns_none", args, kwargs)
    return Helper("dns_none", "dns", {"kind": "none"})


def dns_resolver(*args: Any, **kwargs: Any) -> Helper:
    a = bind("dns_resolver", args, kwargs)
    host = check_str("dns_resolver", "host", a["host"])
    port = check_int("dns_resolver", "port", a["port"]) if _given(a, "port") else 53
    return Helper("dns_resolver", "dns", {"kind": "resolver", "host": host, "port": port})


def literal(*args: Any, **kwargs: Any) -> Helper:
    a = bind("literal", args, kwargs)
    return Helper("literal", "env_value", {"kind": "literal", "value": check_str("literal", "value", a["value"])})


def secret(*args: Any, **kwargs: Any) -> Helper:
    """A managed secret reference. The guest sees it under ``var``, else under its env key."""
    a = bind("secret", args, kwargs)
    name = check_non_empty_str("secret", "name", a["name"])
    var = check_non_empty_str("secret", "var", a["var"]) if _given(a, "var") else None
    type_ = check_one_of("secret", "type", a["type"], ("bearer", "basic", "hmac", "sigv4")) if _given(a, "type") else "bearer"
    hosts = check_str_list("secret", "hosts", a["hosts"]) if _given(a, "hosts") else []
    return Helper("secret", "env_value", None, {"name": name, "var": var, "type": type_, "hosts": hosts})


def hook_cmd(helper: str, what: str, v: Any, *, allow_hook: bool = True) -> dict[str, Any]:
    """One HookCmd: a string is a shell line, a list of strings an argv, mvm.hook(...) itself."""
    if allow_hook and isinstance(v, Helper) and v.kind == "hook":
        return v.ir
    if isinstance(v, str):
        return {"kind": "shell", "line": check_non_empty_str(helper, what, v)}
    if isinstance(v, (list, tuple)):
        if len(v) == 0:
            raise MvmError("E_BAD_KWARG", f"mvm.{helper}(): {what} must not be an empty list")
        return {"kind": "argv", "argv": check_str_list(helper, what, v)}
    expected = "a string, a list of strings or mvm.hook(...)" if allow_hook else "a string (shell line) or a list of strings (argv)"
    raise bad(helper, what, expected, v)


def hook_list(helper: str, what: str, v: Any) -> list[dict[str, Any]]:
    """A hook phase, the rule of the declaration core (packages/ir/src/declare.ts, lowerHooks): a
    string is one shell hook, a list of only strings one argv hook, mvm.hook(...) one hook; any other
    list is a list of hooks (each a string, a list of strings or mvm.hook(...)); [] is no hooks."""
    if isinstance(v, (list, tuple)) and len(v) == 0:
        return []
    if isinstance(v, (list, tuple)) and any(not isinstance(x, str) for x in v):
        return [hook_cmd(helper, f"{what}[{i}]", x) for i, x in enumerate(v)]
    if not isinstance(v, (str, list, tuple)) and not (isinstance(v, Helper) and v.kind == "hook"):
        raise bad(helper, what, "a string, a list of strings, mvm.hook(...) or a list of those", v)
    return [hook_cmd(helper, what, v)]


def hook(*args: Any, **kwargs: Any) -> Helper:
    a = bind("hook", args, kwargs)
    # mvm.hook(mvm.hook(...)) is refused: hook() names one command, it does not wrap another hook.
    return Helper("hook", "hook", hook_cmd("hook", "cmd", a["cmd"], allow_hook=False))


def entrypoint_function(*args: Any, **kwargs: Any) -> Helper:
    a = bind("entrypoint_function", args, kwargs)
    h = "entrypoint_function"
    return Helper(
        h,
        "entrypoint",
        {
            "kind": "function",
            "language": check_str(h, "language", a["language"]) if _given(a, "language") else "python",
            "module": check_non_empty_str(h, "module", a["module"]),
            "function": check_non_empty_str(h, "function", a["function"]),
            "format": check_one_of(h, "format", a["format"], ("json", "msgpack")) if _given(a, "format") else "json",
            "working_dir": "/app",
            "env": {},
            "primary": check_bool(h, "primary", a["primary"]) if _given(a, "primary") else False,
        },
    )


def entrypoint(*args: Any, **kwargs: Any) -> Helper:
    a = bind("entrypoint", args, kwargs)
    return Helper(
        "entrypoint",
        "entrypoint",
        {
            "kind": "command",
            "command": check_str_list("entrypoint", "command", a["command"]),
            "working_dir": check_non_empty_str("entrypoint", "working_dir", a["working_dir"]) if _given(a, "working_dir") else "/app",
            "env": check_str_map("entrypoint", "env", a["env"]) if _given(a, "env") else {},
        },
    )


def _deps(helper: str, kind: str, tools: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Helper:
    a = bind(helper, args, kwargs)
    lockfile = check_non_empty_str(helper, "lockfile", a["lockfile"])
    tool = check_one_of(helper, "tool", a["tool"], tools) if _given(a, "tool") else tools[0]
    return Helper(helper, "dependencies", {"kind": kind, "lockfile": lockfile, "tool": tool})


def python_deps(*args: Any, **kwargs: Any) -> Helper:
    return _deps("python_deps", "python", ("uv", "pip_tools"), args, kwargs)


def node_deps(*args: Any, **kwargs: Any) -> Helper:
    return _deps("node_deps", "node", ("npm", "pnpm", "yarn"), args, kwargs)


def no_deps(*args: Any, **kwargs: Any) -> Helper:
    bind("no_deps", args, kwargs)
    return Helper("no_deps", "dependencies", {"kind": "none"})
