"""mvm Python runner: calls one function with [args, kwargs] read as JSON from stdin.

argv: runner.py [--serve] <working_dir> <module> <function> <params-json>   (docs/architecture.md)
One-shot: result JSON on the real stdout, exit 0. --serve: a warm runner serving many calls over
fds 3/4 (see serve()). Any failure: exit code 1 (one-shot: the process's; warm: the reply's) and
one stderr line ``MVM_ENVELOPE: {"kind", "message", "error_id"}``. Stdlib only (Debian bookworm python3.11).
"""

# Only what every call needs is imported up front: an interpreter start in the guest is the
# first call's cost (under TCG, asyncio alone was ~0.5 s). asyncio is imported for the first
# coroutine result, traceback only when a call fails, and `json` (which imports `re`, ~0.25 s of
# a first start after a snapshot restore under TCG) only when the fast path below cannot answer.
import importlib
import os
import struct
import sys
import time


class _JsonContext:
    """What json.JSONDecoder hands the C scanner: the same settings as json.loads()."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo = {}


try:
    # json.loads() and json.dumps() run these same C functions of _json (a built-in); json's
    # Python layer only adds whitespace handling, bytes decoding and error messages.
    from _json import encode_basestring as _encode_str
    from _json import make_encoder as _make_encoder
    from _json import make_scanner as _make_scanner

    _scan_once = _make_scanner(_JsonContext())
except (ImportError, TypeError):  # another interpreter: json itself
    _scan_once = None

_WS = " \t\n\r"


def _json_default(o):
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def json_loads(data):
    """json.loads(data). The fast path answers only what it parses whole; anything else (a BOM,
    another encoding, bad JSON) goes to json.loads, so results and errors are json's own."""
    if _scan_once is not None:
        try:
            s = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
            start = len(s) - len(s.lstrip(_WS))
            value, end = _scan_once(s, start)
            if not s[end:].strip(_WS):
                return value
        except Exception:  # noqa: BLE001 - json.loads below gives the real error
            pass
    import json

    return json.loads(data)


def json_dumps(value):
    """json.dumps(value, ensure_ascii=False, allow_nan=False), through the same C encoder; any
    failure is retried by json.dumps itself for its exact exception."""
    if _scan_once is not None:
        try:
            if isinstance(value, str):
                return _encode_str(value)
            encode = _make_encoder({}, _json_default, _encode_str, None, ": ", ", ", False, False, False)
            return "".join(encode(value, 0))
        except Exception:  # noqa: BLE001 - json.dumps below raises the real error
            pass
    import json

    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class RunnerError(Exception):
    """A failure the runner reports with its own kind (not a user exception class name)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def envelope(kind, message):
    line = json_dumps({"kind": kind, "message": message, "error_id": os.urandom(8).hex()})
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


def parse_call(raw):
    """The call's [args, kwargs] from its stdin bytes."""
    try:
        call = json_loads(raw or b"[[], {}]")
    except ValueError as e:
        raise RunnerError("argument_error", f"stdin is not valid JSON: {e}") from None
    if (
        not isinstance(call, list)
        or len(call) != 2
        or not isinstance(call[0], list)
        or not isinstance(call[1], dict)
    ):
        raise RunnerError("argument_error", "stdin must be a JSON array [args, kwargs]")
    return call


def is_awaitable(value):
    """inspect.isawaitable without importing inspect: coroutines and anything with __await__,
    and generator-based coroutines (types.coroutine sets CO_ITERABLE_COROUTINE, 0x100)."""
    if hasattr(type(value), "__await__"):
        return True
    code = getattr(value, "gi_code", None)
    return code is not None and bool(code.co_flags & 0x100)


def run_call(get_fn, params, raw, run_awaitable):
    """One call: returns (exit_code, result_text). User failures become an envelope on stderr."""
    try:
        call = parse_call(raw)
        fn = get_fn()
        args, kwargs = bind(params or None, call[0], call[1])
        result = fn(*args, **kwargs)
        if is_awaitable(result):
            result = run_awaitable(result)
        try:
            text = json_dumps(result)
        except (TypeError, ValueError) as e:
            raise RunnerError(
                "result_not_serializable", f"the result is not JSON-serializable: {e}"
            ) from None
    except RunnerError as e:
        envelope(e.kind, str(e))
        return 1, ""
    except BaseException as e:  # noqa: BLE001 - every user failure becomes an envelope
        if isinstance(e, SystemExit) and e.code in (0, None):
            envelope("SystemExit", "the function called sys.exit()")
            return 1, ""
        import traceback

        traceback.print_exc()
        envelope(type(e).__name__, str(e))
        return 1, ""
    return 0, text


def redirect_user_stdout():
    """Keeps the real stdout for the result; everything the user prints goes to stderr,
    including writes from C extensions and subprocesses (fd 1 itself is redirected)."""
    result_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return result_out


def main(argv):
    if len(argv) == 6 and argv[1] == "--serve":
        return serve(*argv[2:])
    if len(argv) != 5:
        envelope("internal", "usage: runner.py [--serve] <working_dir> <module> <function> <params-json>")
        return 2
    working_dir, module, function, params_json = argv[1:]
    result_out = redirect_user_stdout()
    try:
        params = json_loads(params_json) if params_json else None
    except ValueError as e:
        envelope("argument_error", f"params are not valid JSON: {e}")
        return 1
    code, text = run_call(
        lambda: load(working_dir, module, function),
        params,
        sys.stdin.buffer.read(),
        lambda aw: __import__("asyncio").run(_await(aw)),
    )
    if code == 0:
        result_out.write(text)
        result_out.flush()
    return code


def read_exact(f, n):
    """n bytes from a blocking binary file, or None at end of stream."""
    parts, have = [], 0
    while have < n:
        chunk = f.read(n - have)
        if not chunk:
            return None
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


def restore_environ(saved):
    """Puts back what the call's env replaced: each of its names gets its value from before the
    call (or is removed). Other changes to os.environ are process state, like module globals."""
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def serve(working_dir, module, function, params_json):
    """Warm mode (docs/protocol.md "Warm runners"): import once, then serve calls one at a time.

    fd 3: requests, fd 4: replies; each a u32 big-endian length, then a JSON header line and the
    payload. The module is imported at the first call (inside that call's env and cwd, so
    import-time code sees the call's secrets, as with a fresh runner); its globals persist.
    """
    requests = os.fdopen(3, "rb", buffering=0)
    replies = os.fdopen(4, "wb", buffering=0)
    redirect_user_stdout().close()  # the agent reads fd 1 and 2 as the user's output
    os.environ["MVM_IN_GUEST"] = "1"
    try:
        params = json_loads(params_json) if params_json else None
    except ValueError:
        params = None
    loaded, failed = [], []
    # One event loop for the runner's life, made at the first coroutine result: what one async
    # call leaves on it (tasks, clients bound to the loop) is still usable by the next.
    loop = []

    def run_awaitable(aw):
        if not loop:
            import asyncio

            loop.append(asyncio.new_event_loop())
        return loop[0].run_until_complete(_await(aw))

    def get_fn():
        if not loaded:
            try:
                loaded.append(load(working_dir, module, function))
            except BaseException:
                failed.append(True)
                raise
        return loaded[0]

    while True:
        size = read_exact(requests, 4)
        if size is None:
            return 0  # the agent closed the request pipe
        body = read_exact(requests, struct.unpack(">I", size)[0])
        if body is None:
            return 0
        head, _, raw = body.partition(b"\n")
        req = json_loads(head)
        call_env = req.get("env") or {}
        saved = {k: os.environ.get(k) for k in call_env}
        os.environ.update(call_env)
        os.chdir(req.get("cwd") or "/")
        started = time.perf_counter()
        try:
            code, text = run_call(get_fn, params, raw, run_awaitable)
        finally:
            # The call's env (secret tokens) and its cwd (removed after the call) go with it.
            restore_environ(saved)
            os.chdir("/")
        ms = (time.perf_counter() - started) * 1000
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except (OSError, ValueError):
                pass
        head = {"exit_code": code, "ms": round(ms, 3)}
        if failed:
            head["last"] = True  # this runner exits after the reply; the agent starts a new one
        out = json_dumps(head).encode() + b"\n" + text.encode()
        replies.write(struct.pack(">I", len(out)) + out)
        if failed:
            return code  # the import failed: the next call starts a fresh runner and retries


async def _await(aw):
    return await aw


if __name__ == "__main__":
    sys.exit(main(sys.argv))
