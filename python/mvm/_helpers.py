"""The declaration helpers, the Python twin of the declaration core's helpers
(packages/ir/src/declare/helpers.ts): the same rules, codes and messages. Each checks every
argument at call time, raises one ``MvmError`` with all the problems it found, and returns a
``Helper`` carrying the IR it stands for, with the IR's defaults filled in (``_tables.DEFAULTS``)."""

from __future__ import annotations

from ._checks import Args, Helper, Problems, bind, collecting, dict_key, helper_words, q
from ._tables import DEFAULTS, ENUMS, PORT_KEYS, PORT_REQUIRED

# No typing or re at runtime: the helpers run at a module's top level, in the guest too.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    Lower = Callable[[Args], Any]


def _digits(s: str) -> bool:
    """Whether s is all decimal digits, like re.fullmatch(r"\\d+", s): both mean Unicode category Nd."""
    return s.isdecimal()


def _call(helper: str, args: tuple[Any, ...], kwargs: dict[str, Any], lower: Lower) -> Helper:
    def run(p: Problems) -> Helper:
        a = bind(helper, args, kwargs, p)
        return Helper(helper, lower(a))

    return collecting(run)


def _image(a: Args, first: str | None) -> Any:
    packages = a.str_list("packages") if a.has("packages") else []
    if first is None or packages is None:
        return None
    return {"kind": "nix_packages", "packages": [first, *packages]}


def _local_path(a: Args) -> Any:
    path = a.str("path")
    include = a.str_list("include") if a.has("include") else list(DEFAULTS["local_path"]["include"])
    exclude = a.str_list("exclude") if a.has("exclude") else list(DEFAULTS["local_path"]["exclude"])
    if path is None or include is None or exclude is None:
        return None
    return {"kind": "local_path", "path": path, "include": include, "exclude": exclude}


def _python_image(a: Args) -> Any:
    python = a.str("python") if a.has("python") else DEFAULTS["python_version"]
    major, dot, minor = python.partition(".") if python is not None else ("", "", "")
    m = bool(dot) and _digits(major) and _digits(minor)  # (\d+)\.(\d+), whole string
    if python is not None and not m:
        a.p.report("E_BAD_KWARG", f'{a.called}(): python must be a version like "3.12", got {q(python)}')
    return _image(a, f"python{major}{minor}" if m else None)


def _node_image(a: Args) -> Any:
    node: str | None = DEFAULTS["node_version"]
    if a.has("node"):
        v = a.get("node")
        if isinstance(v, str) and _digits(v):
            node = v
        elif isinstance(v, int) and not isinstance(v, bool) and v > 0:
            node = str(v)
        else:
            node = a.bad("node", v, 'a major version like "22"')
    return _image(a, None if node is None else f"nodejs_{node}")


def _nix_packages(a: Args) -> Any:
    packages = a.str_list("packages")
    return None if packages is None else {"kind": "nix_packages", "packages": packages}


def _resources(a: Args) -> Any:
    if a.has("cpu") and a.has("cpu_cores"):
        a.p.report("E_BAD_KWARG", f"{a.called}(): give cpu or cpu_cores, not both", "keep one of them")
        return None
    cpu_key = "cpu" if a.has("cpu") else "cpu_cores"
    out = dict(DEFAULTS["resources"])
    ok = True
    for key, src in (("cpu_cores", cpu_key), ("memory_mb", "memory_mb"), ("rootfs_size_mb", "rootfs_size_mb")):
        if a.has(src):
            n = a.uint(src)
            ok = ok and n is not None
            out[key] = n
    return out if ok else None


def _host_port_of(a: Args, key: str, v: Any) -> Any:
    if isinstance(v, Helper) and v.helper == "host_port":
        return dict(v.ir)
    if isinstance(v, dict):
        return dict(v)
    return a.bad(key, v, helper_words("host_port"))


def _port_forwards(a: Args, v: Any) -> list[dict[str, Any]] | None:
    if not isinstance(v, (list, tuple)):
        return a.bad("ports", v, "a list of dicts")
    ok = True
    out = []
    for i, item in enumerate(v):
        what = f"ports[{i}]"
        if not isinstance(item, dict):
            a.bad(what, item, "a dict")
            ok = False
            continue
        fields = {dict_key(k, a.p): val for k, val in item.items()}
        for k in fields:
            if k is not None and k not in PORT_KEYS:
                a.p.report("E_UNKNOWN_KWARG", f"{a.called}(): {what} has no key {q(k)}", f"a port forward takes {', '.join(PORT_KEYS)}")
                ok = False
        for req in PORT_REQUIRED:
            if req not in fields:
                a.p.report("E_MISSING_KWARG", f"{a.called}(): {what} needs {q(req)}")
                ok = False
        f: dict[str, Any] = dict(DEFAULTS["port_forward"])
        checks: dict[str, Callable[[str, Any], Any]] = {
            "mapping_id": lambda k, x: a.str_of(k, x),
            "proto": lambda k, x: a.one_of(k, ENUMS["port_proto"], x, given=True),
            "host_addr": lambda k, x: a.str_of(k, x),
            "host": lambda k, x: a.int_of(k, x, non_negative=False),
            "guest_addr": lambda k, x: a.str_of(k, x),
            "guest": lambda k, x: a.int_of(k, x, non_negative=False),
            "transform": lambda k, x: a.one_of(k, ENUMS["port_transform"], x, given=True),
            "tls_secret": lambda k, x: a.str_of(k, x),
        }
        for k, check in checks.items():
            if k in fields:
                got = check(f"{what}.{k}", fields[k])
                ok = ok and got is not None
                f[k] = got
        out.append(f)
    return out if ok else None


def _network(a: Args) -> Any:
    ok = True
    mode = DEFAULTS["network_mode"]
    if a.has("mode"):
        mode = a.one_of("mode", ENUMS["network_mode"])
        ok = mode is not None
    ports: Any = []
    if a.has("ports"):
        ports = _port_forwards(a, a.get("ports"))
        ok = ok and ports is not None
    allowlist: list[Any] = []
    if a.has("egress"):
        items = _grant_list(a, "egress")
        ok = ok and all(i is not None for i in items)
        allowlist += items
    # Build-time egress (the builder VM's proxy): its own allowlist, independent of `mode`.
    build_list: list[Any] = []
    if a.has("build_egress"):
        build_list = _grant_list(a, "build_egress")
        ok = ok and all(i is not None for i in build_list)
    https = a.str_list("allow_https")
    if a.has("allow_https") and https is None:
        ok = False
    allowlist += [{"host": h, "port": DEFAULTS["https_port"]} for h in https or []]
    dns = None
    if a.has("dns"):
        d = a.get("dns")
        dns = dict(d) if isinstance(d, dict) else a.helper_of("dns", d, ("dns_system", "dns_none", "dns_resolver"))
        ok = ok and dns is not None
    if not ok:
        return None
    grants = a.has("egress") or https is not None
    # "deny" is closed unless the declaration names grants; then a bridge limited to exactly those.
    if mode == "deny":
        mode = "bridge" if allowlist else "none"
    out: dict[str, Any] = {"mode": mode, "ports": ports}
    if grants and not (mode == "none" and not allowlist):
        out["egress"] = {"allowlist": allowlist}
    # An empty build allowlist grants nothing: the builder keeps no NIC, so it is left out.
    if build_list:
        out["build_egress"] = {"allowlist": build_list}
    if dns is not None:
        out["dns"] = dict(dns)
    return out


def _grant_list(a: Args, key: str) -> list[Any]:
    """egress(...) or a list of host_port / {host, port}; None items where invalid."""
    e = a.get(key)
    if isinstance(e, Helper) and e.helper == "egress":
        return [dict(g) for g in e.ir["allowlist"]]
    if isinstance(e, (list, tuple)):
        return [_host_port_of(a, key, i) for i in e]
    return [a.bad(key, e, f"{helper_words('egress')} or a list of {helper_words('host_port')}")]


def _egress(a: Args) -> Any:
    v = a.get("allowlist")
    if not a.has("allowlist"):
        return None
    if not isinstance(v, (list, tuple)):
        return a.bad("allowlist", v, f"a list of {helper_words('host_port')}")
    items = [_host_port_of(a, f"allowlist[{i}]", h) for i, h in enumerate(v)]
    return None if any(i is None for i in items) else {"allowlist": items}


def _host_port(a: Args) -> Any:
    host, port = a.str("host"), a.uint("port")
    return None if host is None or port is None else {"host": host, "port": port}


def _dns_resolver(a: Args) -> Any:
    host = a.str("host")
    port = a.uint("port") if a.has("port") else DEFAULTS["dns_port"]
    return None if host is None or port is None else {"kind": "resolver", "host": host, "port": port}


def _literal(a: Args) -> Any:
    value = a.str("value")
    return None if value is None else {"kind": "literal", "value": value}


def _secret(a: Args) -> Any:
    name = a.str("name", non_empty=True)
    var = a.str("var", non_empty=True)
    type_ = a.one_of("type", ENUMS["secret_type"]) if a.has("type") else DEFAULTS["secret_type"]
    hosts = a.str_list("hosts") if a.has("hosts") else []
    if name is None or type_ is None or hosts is None or (a.has("var") and var is None):
        return None
    # The mount var is filled in by app() from the env key when var= is not given.
    mount: dict[str, Any] = {"kind": "env"}
    if var is not None:
        mount["var"] = var
    return {"kind": "secret_ref", "ref": {"name": name, "mount": mount, "auth_type": type_, "allowed_hosts": hosts, "sigv4": None}}


def hook_item(a: Args, key: str, v: Any, allow_hook: bool = True) -> Any:
    """One HookCmd: a string is a shell line, a list of strings an argv, mvm.hook(...) itself."""
    if isinstance(v, str):
        if v == "":
            a.p.report("E_BAD_KWARG", f"{a.called}(): {key} must not be empty")
            return None
        return {"kind": "shell", "line": v}
    if isinstance(v, (list, tuple)):
        if len(v) == 0:
            a.p.report("E_BAD_KWARG", f"{a.called}(): {key} must not be an empty list")
            return None
        argv = a.str_list_of(key, v)
        return None if argv is None else {"kind": "argv", "argv": argv}
    if allow_hook and isinstance(v, Helper) and v.helper == "hook":
        return dict(v.ir)
    expected = f"a string, a list of strings or {helper_words('hook')}" if allow_hook else "a string (shell line) or a list of strings (argv)"
    return a.bad(key, v, expected)


def hook_list(a: Args, phase: str, v: Any) -> list[Any] | None:
    """A hook phase, the core's lowerHooks: a string, a list of only strings (one argv) or
    mvm.hook(...) is one hook; any other list is a list of hooks; [] is no hooks."""
    if isinstance(v, str) or (isinstance(v, Helper) and v.helper == "hook"):
        h = hook_item(a, phase, v)
        return None if h is None else [h]
    if not isinstance(v, (list, tuple)):
        return a.bad(phase, v, f"a string, a list of strings, {helper_words('hook')} or a list of those")
    if len(v) == 0:
        return []
    if all(isinstance(x, str) for x in v):
        h = hook_item(a, phase, v)
        return None if h is None else [h]
    out = [hook_item(a, f"{phase}[{i}]", x) for i, x in enumerate(v)]
    return None if any(h is None for h in out) else out


def _hook(a: Args) -> Any:
    # mvm.hook(mvm.hook(...)) is refused: hook() names one command, it does not wrap another hook.
    return hook_item(a, "cmd", a.get("cmd"), allow_hook=False) if a.has("cmd") else None


def _entrypoint_function(a: Args) -> Any:
    module = a.str("module", non_empty=True)
    function = a.str("function", non_empty=True)
    primary = a.bool("primary")
    language = a.str("language")
    format_ = a.one_of("format", ENUMS["entrypoint_format"])
    if module is None or function is None:
        return None
    if any(a.has(k) and v is None for k, v in (("primary", primary), ("language", language), ("format", format_))):
        return None
    ep = DEFAULTS["entrypoint"]
    return {
        "kind": "function",
        "language": language if language is not None else "python",
        "module": module,
        "function": function,
        "format": format_ if format_ is not None else ep["format"],
        "working_dir": ep["working_dir"],
        "env": {},
        "primary": primary if primary is not None else ep["primary"],
    }


def _entrypoint(a: Args) -> Any:
    command = a.str_list("command")
    working_dir = a.str("working_dir", non_empty=True)
    env = a.str_map("env")
    if command is None or (a.has("working_dir") and working_dir is None) or (a.has("env") and env is None):
        return None
    wd = working_dir if working_dir is not None else DEFAULTS["entrypoint"]["working_dir"]
    return {"kind": "command", "command": command, "working_dir": wd, "env": env if env is not None else {}}


def _deps(kind: str, tools: tuple[str, ...]) -> Lower:
    def lower(a: Args) -> Any:
        lockfile = a.str("lockfile", non_empty=True)
        tool = a.one_of("tool", tools)
        if lockfile is None or (a.has("tool") and tool is None):
            return None
        return {"kind": kind, "lockfile": lockfile, "tool": tool if tool is not None else tools[0]}

    return lower


def local_path(*args: Any, **kwargs: Any) -> Helper:
    return _call("local_path", args, kwargs, _local_path)


def python_image(*args: Any, **kwargs: Any) -> Helper:
    return _call("python_image", args, kwargs, _python_image)


def node_image(*args: Any, **kwargs: Any) -> Helper:
    return _call("node_image", args, kwargs, _node_image)


def nix_packages(*args: Any, **kwargs: Any) -> Helper:
    return _call("nix_packages", args, kwargs, _nix_packages)


def resources(*args: Any, **kwargs: Any) -> Helper:
    return _call("resources", args, kwargs, _resources)


def network(*args: Any, **kwargs: Any) -> Helper:
    return _call("network", args, kwargs, _network)


def egress(*args: Any, **kwargs: Any) -> Helper:
    return _call("egress", args, kwargs, _egress)


def host_port(*args: Any, **kwargs: Any) -> Helper:
    return _call("host_port", args, kwargs, _host_port)


def dns_system(*args: Any, **kwargs: Any) -> Helper:
    return _call("dns_system", args, kwargs, lambda a: {"kind": "system"})


def dns_none(*args: Any, **kwargs: Any) -> Helper:
    return _call("dns_none", args, kwargs, lambda a: {"kind": "none"})


def dns_resolver(*args: Any, **kwargs: Any) -> Helper:
    return _call("dns_resolver", args, kwargs, _dns_resolver)


def literal(*args: Any, **kwargs: Any) -> Helper:
    return _call("literal", args, kwargs, _literal)


def secret(*args: Any, **kwargs: Any) -> Helper:
    """A managed secret reference. The guest sees it under ``var``, else under its env key."""
    return _call("secret", args, kwargs, _secret)


def hook(*args: Any, **kwargs: Any) -> Helper:
    return _call("hook", args, kwargs, _hook)


def entrypoint_function(*args: Any, **kwargs: Any) -> Helper:
    return _call("entrypoint_function", args, kwargs, _entrypoint_function)


def entrypoint(*args: Any, **kwargs: Any) -> Helper:
    return _call("entrypoint", args, kwargs, _entrypoint)


def python_deps(*args: Any, **kwargs: Any) -> Helper:
    return _call("python_deps", args, kwargs, _deps("python", ENUMS["python_deps_tool"]))


def node_deps(*args: Any, **kwargs: Any) -> Helper:
    return _call("node_deps", args, kwargs, _deps("node", ENUMS["node_deps_tool"]))


def no_deps(*args: Any, **kwargs: Any) -> Helper:
    return _call("no_deps", args, kwargs, lambda a: {"kind": "none"})

