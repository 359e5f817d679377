"""mvm Python runner: calls one function with [args, kwargs] read as JSON from stdin.

argv: runner.py <working_dir> <module> <function> <params-json>   (docs/architecture.md)
Result: JSON on the real stdout, exit 0. Any failure: exit 1 and one stderr line
``MVM_ENVELOPE: {"kind", "message", "error_id"}``. Stdlib only (Debian bookworm python3.11).
"""

import asyncio
import importlib
import inspect
import json
import os
import secrets
import sys


class RunnerError(Exception):
    """A failure the runner reports with its own kind (not a user exception class name)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def envelope(kind, message):
    line = json.dumps({"kind": kind, "message": message, "error_id": secrets.token_hex(8)})
    sys.stderr.write("MVM_ENVELOPE: " + line + "\n")
    sys.stderr.flush()


def bind(params, args, kwargs):
    """Checks [args, kwargs] against the declared params; returns (args, kwargs) to call with.

    The declared params (from the source, at compile time) are the contract the host was
    told about, so errors name them rather than relying on Python's own TypeError text.
    """
    if params is None:
        return args, kwargs
    positional = [p for p in params if p["kind"] == "normal"]
    has_varpos = any(p["kind"] == "var_positional" for p in params)
    has_varkw = any(p["kind"] == "var_keyword" for p in params)
    if len(args) > len(positional) and not has_varpos:
        raise RunnerError(
            "argument_error",
            f"takes {len(positional)} positional argument(s) but {len(args)} were given",
        )
    filled = {p["name"] for p in positional[: len(args)]}
    known = {p["name"] for p in params if p["kind"] in ("normal", "keyword_only")}
    for name in kwargs:
        if name in filled:
            raise RunnerError("argument_error", f"got multiple values for argument '{name}'")
        if name not in known and not has_varkw:
            raise RunnerError("argument_error", f"unexpected argument '{name}'")
    for p in params:
        if p["kind"] in ("normal", "keyword_only") and p.get("required"):
            if p["name"] not in filled and p["name"] not in kwargs:
                raise RunnerError("argument_error", f"missing required argument '{p['name']}'")
    return args, kwargs


def load(working_dir, module, function):
    # SDKs check this: mvm.emit_json() at a module's top level must not print in the guest.
    os.environ["MVM_IN_GUEST"] = "1"
    sys.path.insert(0, working_dir)
    rel = module.replace(".", os.sep)
    if not (
        os.path.isfile(os.path.join(working_dir, rel + ".py"))
        or os.path.isfile(os.path.join(working_dir, rel, "__init__.py"))
    ):
        raise RunnerError("entrypoint_invalid", f"module '{module}' not found in {working_dir}")
    mod = importlib.import_module(module)
    fn = getattr(mod, function, None)
    if fn is None:
        raise RunnerError("entrypoint_invalid", f"module '{module}' has no function '{function}'")
    # Decorated functions (mvm.app) keep the original reachable; call that when present.
    fn = getattr(fn, "__wrapped__", fn)
    if not callable(fn):
        raise RunnerError("entrypoint_invalid", f"'{module}.{function}' is not callable")
    return fn


def main(argv):
    if len(argv) != 5:
        envelope("internal", "usage: runner.py <working_dir> <module> <function> <params-json>")
        return 2
    working_dir, module, function, params_json = argv[1:]
    # Keep the real stdout for the result; everything the user prints goes to stderr,
    # including writes from C extensions and subprocesses (fd 1 itself is redirected).
    result_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        try:
            params = json.loads(params_json) if params_json else None
            call = json.loads(sys.stdin.buffer.read() or b"[[], {}]")
        except ValueError as e:
            raise RunnerError("argument_error", f"stdin is not valid JSON: {e}") from None
        if (
            not isinstance(call, list)
            or len(call) != 2
            or not isinstance(call[0], list)
            or not isinstance(call[1], dict)
        ):
            raise RunnerError("argument_error", "stdin must be a JSON array [args, kwargs]")
        fn = load(working_dir, module, function)
        args, kwargs = bind(params or None, call[0], call[1])
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
        try:
            text = json.dumps(result, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise RunnerError(
                "result_not_serializable", f"the result is not JSON-serializable: {e}"
            ) from None
    except RunnerError as e:
        envelope(e.kind, str(e))
        return 1
    except BaseException as e:  # noqa: BLE001 - every user failure becomes an envelope
        if isinstance(e, SystemExit) and e.code in (0, None):
            envelope("SystemExit", "the function called sys.exit()")
            return 1
        import traceback

        traceback.print_exc()
        envelope(type(e).__name__, str(e))
        return 1
    result_out.write(text)
    result_out.flush()
    return 0


async def _await(aw):
    return await aw


if __name__ == "__main__":
    sys.exit(main(sys.argv))
