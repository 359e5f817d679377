"""``@mvm.app(...)`` and ``mvm.workload(...)``: record the declaration of this process.

The decorator returns the function unchanged, so it stays callable locally (and in the guest,
where the runner imports the module)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from ._checks import Helper, bad, bind, check_helper, check_str, dict_key
from ._errors import MvmError
from ._helpers import hook_list

F = TypeVar("F", bound=Callable[..., Any])

_PHASES = ("before_build", "before_start", "after_start", "before_stop")


@dataclass
class _Declared:
    app: dict[str, Any]
    function: str


_state: dict[str, Any] = {"app": None, "workload_id": None}


def _reset() -> None:
    """Forget this process's declaration (tests)."""
    _state["app"] = None
    _state["workload_id"] = None


def workload(*args: Any, **kwargs: Any) -> None:
    a = bind("workload", args, kwargs)
    if _state["workload_id"] is not None:
        raise MvmError("E_MULTIPLE_DECLARATIONS", "a second mvm.workload(...) call", hint="call mvm.workload(...) once per file")
    _state["workload_id"] = check_str("workload", "id", a["id"])


def _env(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise bad("app", "env", 'a dict like {"NAME": "value"}', v)
    out: dict[str, Any] = {}
    for k, val in v.items():
        key = dict_key(k)
        if isinstance(val, str):
            out[key] = {"kind": "literal", "value": check_str("app", "value", val)}
        elif isinstance(val, Helper) and val.helper == "literal":
            out[key] = dict(val.ir)
        elif isinstance(val, Helper) and val.helper == "secret":
            d = val.data
            out[key] = {
                "kind": "secret_ref",
                "ref": {
                    "name": d["name"],
                    # The guest sees the secret under var=, else under the env key it is declared at.
                    "mount": {"kind": "env", "var": d["var"] if d["var"] is not None else key},
                    "auth_type": d["type"],
                    "allowed_hosts": list(d["hosts"]),
                    "sigv4": None,
                },
            }
        else:
            import json

            raise bad("app", f"env[{json.dumps(key, ensure_ascii=False)}]", "a string, mvm.literal(...) or mvm.secret(...)", val)
    return out


def _addons(v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, (list, tuple)):
        raise bad("app", "addons", 'a list of dicts like {"name": ..., "hooks": {...}}', v)
    out = []
    for i, item in enumerate(v):
        what = f"addons[{i}]"
        if not isinstance(item, dict):
            raise bad("app", what, 'a dict like {"name": ..., "hooks": {...}}', item)
        if "name" not in item:
            raise MvmError("E_MISSING_KWARG", f'mvm.app(): {what} needs "name"')
        addon: dict[str, Any] = {}
        for k, val in item.items():
            key = dict_key(k)
            if key == "name":
                addon["name"] = check_str("app", f"{what}.name", val)
            elif key == "hooks":
                if not isinstance(val, dict):
                    raise bad("app", f"{what}.hooks", "a dict of hook phases", val)
                phases: dict[str, Any] = {}
                for pk, pv in val.items():
                    phase = dict_key(pk)
                    if phase not in _PHASES:
                        raise MvmError(
                            "E_UNKNOWN_KWARG",
                            f'mvm.app(): {what}.hooks has no phase "{phase}"; it takes {", ".join(_PHASES)}',
                        )
                    if pv is None:
                        continue
                    cmds = hook_list("app", f"{what}.hooks.{phase}", pv)
                    if cmds:
                        phases[phase] = cmds
                addon["hooks"] = phases
            else:
                raise MvmError("E_UNKNOWN_KWARG", f'mvm.app(): {what} has no key "{key}"; it takes name, hooks')
        out.append(addon)
    return out


def _module_stem(fn: Callable[..., Any]) -> str:
    """The declaring file's stem (what the static compiler uses), even under other decorators."""
    import inspect
    import sys

    code = getattr(inspect.unwrap(fn), "__code__", None)
    filename = code.co_filename if code is not None else getattr(sys.modules.get(fn.__module__), "__file__", None) or ""
    return os.path.splitext(os.path.basename(filename))[0]


def _build_app(a: dict[str, Any], fn: Callable[..., Any]) -> dict[str, Any]:
    fn_name = fn.__name__
    given = lambda k: a.get(k) is not None  # noqa: E731 - None means "not given"
    app: dict[str, Any] = {
        "name": check_str("app", "name", a["name"]) if given("name") else fn_name,
        "source": check_helper("app", "source", a["source"], ("source",), "mvm.local_path(...)").ir
        if given("source")
        else {"kind": "local_path", "path": ".", "include": ["**"], "exclude": []},
        "image": check_helper(
            "app", "image", a["image"], ("image",), "mvm.python_image(...), mvm.node_image(...) or mvm.nix_packages([...])"
        ).ir,
        "resources": check_helper("app", "resources", a["resources"], ("resources",), "mvm.resources(...)").ir
        if given("resources")
        else {"cpu_cores": 1, "memory_mb": 256, "rootfs_size_mb": 512},
        "network": check_helper("app", "network", a["network"], ("network",), "mvm.network(...) or None").ir
        if given("network")
        else None,
        "env": _env(a["env"]) if given("env") else {},
        "mounts": [],
        "dependencies": check_helper(
            "app", "dependencies", a["dependencies"], ("dependencies",), "mvm.python_deps(...), mvm.node_deps(...), mvm.no_deps() or None"
        ).ir
        if given("dependencies")
        else None,
    }
    expected_ep = "mvm.entrypoint_function(...) or mvm.entrypoint(...)"
    if given("entrypoint") and given("entrypoints"):
        raise MvmError(
            "E_BAD_KWARG",
            "mvm.app(): give entrypoint or entrypoints, not both",
            hint="keep entrypoints=[...] and list every entrypoint there",
        )
    if given("entrypoint"):
        app["entrypoints"] = [check_helper("app", "entrypoint", a["entrypoint"], ("entrypoint",), expected_ep).ir]
    elif given("entrypoints"):
        eps = a["entrypoints"]
        if not isinstance(eps, (list, tuple)):
            raise bad("app", "entrypoints", "a list of entrypoints", eps)
        app["entrypoints"] = [check_helper("app", f"entrypoints[{i}]", e, ("entrypoint",), expected_ep).ir for i, e in enumerate(eps)]
    else:
        # No entrypoint: the decorated function itself, in the module named after the file.
        module = _module_stem(fn)
        app["entrypoints"] = [
            {
                "kind": "function",
                "language": "python",
                "module": module,
                "function": fn_name,
                "format": "json",
                "working_dir": "/app",
                "env": {},
                "primary": True,
            }
        ]
    if given("addons"):
        addons = _addons(a["addons"])
        if addons:
            app["addons"] = addons
    hooks = {}
    for phase in _PHASES:
        if given(phase):
            cmds = hook_list("app", phase, a[phase])
            if cmds:
                hooks[phase] = cmds
    if hooks:
        app["hooks"] = hooks
    # Helper IR is shared between calls; the app gets its own copy.
    import copy

    return copy.deepcopy(app)


def app(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Declares the app this module's function runs in. Use as ``@mvm.app(name=..., image=...)``."""
    if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], Helper):
        raise MvmError(
            "E_BAD_KWARG",
            "@mvm.app is used without arguments",
            hint="did you forget the parentheses? write @mvm.app(name=..., image=...)",
        )
    a = bind("app", args, kwargs)

    def decorate(fn: F) -> F:
        if not callable(fn) or isinstance(fn, type):
            raise MvmError("E_NON_LITERAL", "@mvm.app(...) must decorate a function", hint="put the decorator on a module-level def")
        if _state["app"] is not None:
            raise MvmError(
                "E_MULTIPLE_DECLARATIONS",
                "a second @mvm.app(...) declaration",
                hint="declare one app per file (one app per workload in v0)",
            )
        _state["app"] = _Declared(_build_app(a, fn), fn.__name__)
        return fn

    return decorate


def declared_workload() -> dict[str, Any]:
    """The serialized Workload of this process's declaration (not yet validated)."""
    declared = _state["app"]
    if declared is None:
        raise MvmError(
            "E_NO_DECLARATION",
            "no @mvm.app(...) declaration was recorded before mvm.emit_json()",
            hint="decorate a function with @mvm.app(...) above the call to mvm.emit_json()",
        )
    app_ir = declared.app
    return {
        "schema_version": "0.1",
        "id": _state["workload_id"] if _state["workload_id"] is not None else app_ir["name"],
        "apps": [app_ir],
        "volumes": [],
        "extensions": {},
    }
