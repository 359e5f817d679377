"""``@mvm.app(...)`` and ``mvm.workload(...)``: record the declaration of this process, the Python
twin of the declaration core's buildApp (packages/ir/src/declare/app.ts). Every problem of the
app's options is raised together, as one ``MvmError``.

The decorator returns the function unchanged, so it stays callable locally (and in the guest,
where the runner imports the module)."""

from __future__ import annotations

import os

from ._checks import Args, Helper, Problems, bind, collecting, dict_key, helper_words
from ._errors import MvmError
from ._helpers import hook_list
from ._tables import DEFAULTS, HOOK_PHASES

# The guest runs this too (the runner imports the user's module, whose top level declares the
# app): no typing, dataclasses (it imports inspect) or copy at runtime.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])


class _Declared:
    __slots__ = ("app", "function")

    def __init__(self, app: dict[str, Any], function: str) -> None:
        self.app = app
        self.function = function


def _copy_ir(v: Any) -> Any:
    """copy.deepcopy for IR (dicts, lists and scalars), without importing copy; anything else
    still goes through deepcopy."""
    t = type(v)
    if t is dict:
        return {k: _copy_ir(x) for k, x in v.items()}
    if t is list:
        return [_copy_ir(x) for x in v]
    if t is str or t is int or t is bool or t is float or v is None:
        return v
    import copy

    return copy.deepcopy(v)


_state: dict[str, Any] = {"app": None, "workload_id": None}


def _reset() -> None:
    """Forget this process's declaration (tests)."""
    _state["app"] = None
    _state["workload_id"] = None


def workload(*args: Any, **kwargs: Any) -> None:
    def run(p: Problems) -> str | None:
        return bind("workload", args, kwargs, p).str("id")

    wid = collecting(run)
    if _state["workload_id"] is not None:
        raise MvmError("E_MULTIPLE_DECLARATIONS", "a second mvm.workload(...) call", hint="call mvm.workload(...) once per file")
    _state["workload_id"] = wid


def _env(a: Args, v: Any) -> dict[str, Any] | None:
    if not isinstance(v, dict):
        return a.bad("env", v, f"a dict of strings, {helper_words('literal')} or {helper_words('secret')}")
    out: dict[str, Any] = {}
    ok = True
    for k, val in v.items():
        key = dict_key(k, a.p)
        if key is None:
            ok = False
        elif isinstance(val, str):
            s = a.str_of(f"env.{key}", val)
            ok = ok and s is not None
            out[key] = {"kind": "literal", "value": s}
        elif isinstance(val, Helper) and val.helper == "literal":
            out[key] = dict(val.ir)
        elif isinstance(val, Helper) and val.helper == "secret":
            ref = _copy_ir(val.ir["ref"])
            # The guest sees the secret under var=, else under the env key it is declared at.
            ref["mount"].setdefault("var", key)
            out[key] = {"kind": "secret_ref", "ref": ref}
        else:
            a.bad(f"env.{key}", val, f"a string, {helper_words('literal')} or {helper_words('secret')}")
            ok = False
    return out if ok else None


def _addons(a: Args, v: Any) -> list[dict[str, Any]] | None:
    if not isinstance(v, (list, tuple)):
        return a.bad("addons", v, "a list of dicts like {name: ..., hooks: {...}}")
    out = []
    ok = True
    for i, item in enumerate(v):
        what = f"addons[{i}]"
        if not isinstance(item, dict):
            a.bad(what, item, "a dict like {name: ..., hooks: {...}}")
            ok = False
            continue
        if "name" not in item:
            a.p.report("E_MISSING_KWARG", f'{a.called}(): {what} needs "name"')
            ok = False
        addon: dict[str, Any] = {}
        for k, val in item.items():
            key = dict_key(k, a.p)
            if key == "name":
                addon["name"] = val if isinstance(val, str) else a.bad(f"{what}.name", val, "a string")
                ok = ok and isinstance(val, str)
            elif key == "hooks":
                if not isinstance(val, dict):
                    a.bad(f"{what}.hooks", val, "a dict of hook phases")
                    ok = False
                    continue
                phases: dict[str, Any] = {}
                for pk, pv in val.items():
                    phase = dict_key(pk, a.p)
                    if phase not in HOOK_PHASES:
                        a.p.report(
                            "E_UNKNOWN_KWARG",
                            f"{a.called}(): {what}.hooks has no phase {pk!r}".replace("'", '"'),
                            f"it takes {', '.join(HOOK_PHASES)}",
                        )
                        ok = False
                        continue
                    if pv is None:
                        continue
                    cmds = hook_list(a, f"{what}.hooks.{phase}", pv)
                    if cmds is None:
                        ok = False
                    elif cmds:
                        phases[phase] = cmds
                addon["hooks"] = phases
            elif key is not None:
                a.p.report("E_UNKNOWN_KWARG", f'{a.called}(): {what} has no key "{key}"', "an addon takes name, hooks")
                ok = False
        out.append(addon)
    return out if ok else None


def _unwrap(func: Any) -> Any:
    """inspect.unwrap(func) (3.11's, same loop check and error), without importing inspect."""
    import sys

    f = func
    memo = {id(f): f}
    recursion_limit = sys.getrecursionlimit()
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
        if id(func) in memo or len(memo) >= recursion_limit:
            raise ValueError(f"wrapper loop when unwrapping {f!r}")
        memo[id(func)] = func
    return func


def _module_stem(fn: Callable[..., Any]) -> str:
    """The declaring file's stem (what the static compiler uses), even under other decorators."""
    import sys

    code = getattr(_unwrap(fn), "__code__", None)
    filename = code.co_filename if code is not None else getattr(sys.modules.get(fn.__module__), "__file__", None) or ""
    return os.path.splitext(os.path.basename(filename))[0]


def _build_app(a: Args, fn_name: str, module: Callable[[], str]) -> dict[str, Any] | None:
    ok = True

    def need(v: Any) -> Any:
        nonlocal ok
        ok = ok and v is not None
        return v

    app: dict[str, Any] = {"name": need(a.str("name")) if a.has("name") else fn_name}
    app["source"] = (
        need(a.helper_of("source", a.get("source"), ("local_path",)))
        if a.has("source")
        else {"kind": "local_path", "path": DEFAULTS["source_path"], **{k: list(v) for k, v in DEFAULTS["local_path"].items()}}
    )
    images = ("python_image", "node_image", "nix_packages")
    if not a.has("image"):
        a.p.report("E_MISSING_KWARG", f"{a.called}(): image is required", f"add image: {', '.join(f'mvm.{n}(...)' for n in images)}")
        ok = False
    else:
        app["image"] = need(a.helper_of("image", a.get("image"), images))
    app["resources"] = need(a.helper_of("resources", a.get("resources"), ("resources",))) if a.has("resources") else dict(DEFAULTS["resources"])
    app["network"] = need(a.helper_of("network", a.get("network"), ("network",))) if a.has("network") else None
    app["env"] = need(_env(a, a.get("env"))) if a.has("env") else {}
    app["mounts"] = []
    deps = ("python_deps", "node_deps", "no_deps")
    app["dependencies"] = need(a.helper_of("dependencies", a.get("dependencies"), deps)) if a.has("dependencies") else None
    eps = ("entrypoint_function", "entrypoint")
    if a.has("entrypoint") and a.has("entrypoints"):
        a.p.report("E_BAD_KWARG", f"{a.called}(): give entrypoint or entrypoints, not both")
        ok = False
    elif a.has("entrypoint"):
        app["entrypoints"] = [need(a.helper_of("entrypoint", a.get("entrypoint"), eps))]
    elif a.has("entrypoints"):
        many = a.get("entrypoints")
        if not isinstance(many, (list, tuple)):
            a.bad("entrypoints", many, f"a list of {helper_words(*eps)}")
            ok = False
        else:
            app["entrypoints"] = [need(a.helper_of(f"entrypoints[{i}]", e, eps)) for i, e in enumerate(many)]
    else:
        # No entrypoint: the decorated function itself, in the module named after the file.
        ep = DEFAULTS["entrypoint"]
        app["entrypoints"] = [
            {
                "kind": "function",
                "language": "python",
                "module": module(),
                "function": fn_name,
                "format": ep["format"],
                "working_dir": ep["working_dir"],
                "env": {},
                "primary": True,
            }
        ]
    if a.has("addons"):
        addons = need(_addons(a, a.get("addons")))
        if addons:
            app["addons"] = addons
    hooks = {}
    for phase in HOOK_PHASES:
        if a.has(phase):
            cmds = need(hook_list(a, phase, a.get(phase)))
            if cmds:
                hooks[phase] = cmds
    if hooks:
        app["hooks"] = hooks
    # Helper IR is shared between calls; the app gets its own copy.
    return _copy_ir(app) if ok else None


def app(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Declares the app this module's function runs in. Use as ``@mvm.app(name=..., image=...)``."""
    if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], Helper):
        raise MvmError(
            "E_BAD_KWARG",
            "@mvm.app is used without arguments",
            hint="did you forget the parentheses? write @mvm.app(name=..., image=...)",
        )

    # Checked now, as the call is made (the function's name is not known yet: a stand-in checks the
    # rest), and built again below for the function it decorates.
    collecting(lambda p: _build_app(bind("app", args, kwargs, p), "pending", lambda: "pending"))

    def decorate(fn: F) -> F:
        if not callable(fn) or isinstance(fn, type):
            raise MvmError("E_NON_LITERAL", "@mvm.app(...) must decorate a function", hint="put the decorator on a module-level def")
        if _state["app"] is not None:
            raise MvmError(
                "E_MULTIPLE_DECLARATIONS",
                "a second @mvm.app(...) declaration",
                hint="declare one app per file (one app per workload in v0)",
            )
        built = collecting(lambda p: _build_app(bind("app", args, kwargs, p), fn.__name__, lambda: _module_stem(fn)))
        _state["app"] = _Declared(built, fn.__name__)
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
