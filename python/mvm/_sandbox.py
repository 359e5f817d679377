"""``mvm.Sandbox``: the imperative runtime SDK (spec/runtime-sdk.md), mirroring mvm-sdk's Sandbox.

Record mode (``MVM_SDK_MODE`` unset or ``record``) appends calls to a recording that is written
atomically to ``MVM_SDK_OUT_PATH`` at exit, only when ``Sandbox.create`` happened. Live mode builds
the same recording, boots it through ``mvmctl`` (``MVM_CLI_BIN``, else ``mvmctl`` on PATH; see
_sandbox_live.py) and forwards each call to the running microVM."""

from __future__ import annotations

import json
import os

from ._checks import Helper, check_str, check_str_list
from ._errors import MvmError
from ._sandbox_errors import (
    SandboxLiveError,
    SandboxModeError,
    SandboxNotFoundError,
    SandboxTimeoutError,
    SandboxUnsupportedError,
)

# Live mode (_sandbox_live: subprocess, threads, dataclasses) is imported when a live sandbox is
# created; record mode never needs it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._sandbox_live import ExecResult, LiveSession, StartedCommand

__all__ = [
    "Sandbox",
    "SandboxLiveError",
    "SandboxModeError",
    "SandboxNotFoundError",
    "SandboxTimeoutError",
    "SandboxUnsupportedError",
    "sdk_mode",
]

_MODES = ("record", "live")
_recording: dict[str, Any] | None = None


def sdk_mode() -> str:
    mode = os.environ.get("MVM_SDK_MODE") or "record"
    if mode not in _MODES:
        raise SandboxModeError(f"MVM_SDK_MODE={mode!r} is not accepted; accepted values: record, live (unset means record)")
    return mode


def _write_recording() -> None:
    path = os.environ.get("MVM_SDK_OUT_PATH")
    if _recording is None or not path:
        return
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)) or ".", prefix=".mvm-recording-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(_recording, f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    os.replace(tmp, path)


def _env_ir(env: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in env.items():
        if isinstance(v, str):
            out[k] = {"kind": "literal", "value": v}
        elif isinstance(v, Helper) and v.helper == "literal":
            out[k] = dict(v.ir)
        else:
            raise MvmError("E_BAD_KWARG", f"Sandbox.create(): env[{json.dumps(k)}] must be a string or mvm.literal(...)")
    return out


class _Commands:
    def __init__(self, sb: Sandbox) -> None:
        self._sb = sb

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> StartedCommand | None:
        """Record: appended to the recording (returns None). Live: started in the background."""
        argv = check_str_list("commands.start", "argv", argv)
        if self._sb._live is not None:
            return self._sb._running("commands.start").start(argv, env)
        self._sb._op({"kind": "command_start", "argv": argv, "env": dict(env or {})})
        return None


class _Files:
    def __init__(self, sb: Sandbox) -> None:
        self._sb = sb

    def write(self, path: str, data: str | bytes) -> None:
        import base64

        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        path = check_str("files.write", "path", path)
        if self._sb._live is not None:
            self._sb._running("files.write").write(path, raw)
            return
        self._sb._op({"kind": "files_write", "path": path, "bytes_b64": base64.b64encode(raw).decode()})

    def read(self, path: str) -> bytes:
        return self._sb._running("files.read").read(path)

    def list(self, path: str) -> list[dict[str, Any]]:
        return self._sb._running("files.list").list(path)

    def stat(self, path: str) -> dict[str, Any]:
        return self._sb._running("files.stat").stat(path)

    def mkdir(self, path: str, parents: bool = False) -> None:
        self._sb._running("files.mkdir").mkdir(path, parents)

    def remove(self, path: str, recursive: bool = False) -> None:
        self._sb._running("files.remove").remove(path, recursive)

    def move(self, src: str, dst: str) -> None:
        self._sb._running("files.move").move(src, dst)


class Sandbox:
    """A sandbox. Use ``with Sandbox.create("python-3.12") as sb: ...``."""

    def __init__(self, mode: str, live: LiveSession | None = None) -> None:
        self.mode = mode
        self._live = live
        self.commands = _Commands(self)
        self.files = _Files(self)
        self._killed = False

    @property
    def name(self) -> str | None:
        """The mvmctl instance name in live mode (for ``mvmctl logs``/``ps``); None in record mode."""
        return self._live.name if self._live else None

    @property
    def info(self) -> dict[str, Any] | None:
        """What ``mvmctl up --json`` reported (digest, accel, boot_ms) in live mode."""
        return self._live.info if self._live else None

    @property
    def ports(self) -> list[dict[str, Any]]:
        """The port forwards reachable from this host: ``[{mapping_id, host, port, guest}]`` (live
        mode; ``[]`` in record mode). Declare them with ``network=mvm.network(mode="bridge",
        ports=[{"mapping_id": "web", "host": 8080, "guest": 8000}])``; ``port`` is the one ``up``
        picked when 0 was asked."""
        if self._live is None:
            return []
        return [
            {"mapping_id": p["mapping_id"], "host": p["host_addr"], "port": p["host"], "guest": p["guest"]}
            for p in self._live.info.get("ports") or []
        ]

    def get_host(self, guest_port: int) -> str:
        """``"host:port"`` on this host that reaches ``guest_port`` in the sandbox (E2B's get_host)."""
        live = self._running(f"get_host({guest_port})")
        for p in self.ports:
            if p["guest"] == guest_port:
                host = f"[{p['host']}]" if ":" in p["host"] else p["host"]
                return f"{host}:{p['port']}"
        have = ", ".join(str(p["guest"]) for p in self.ports)
        raise SandboxNotFoundError(
            f"a port forward to guest port {guest_port}",
            f"it forwards guest ports {have}" if have else 'declare one: network=mvm.network(mode="bridge", ports=[{"mapping_id": ..., "host": ..., "guest": ...}])',
            f"sandbox {live.name} forwards no host port to guest port {guest_port}",
        )

    @classmethod
    def create(
        cls,
        template: str | None = None,
        *,
        image: Helper | dict[str, Any] | None = None,
        workload_id: str | None = None,
        env: dict[str, Any] | None = None,
        include: list[str] | None = None,
        tags: dict[str, str] | None = None,
        ttl: int | None = None,
        resources: Helper | None = None,
        network: Helper | None = None,
        command: list[str] | None = None,
        snapshot: str | None = None,
    ) -> Sandbox:
        """``snapshot=``: live mode only, resume the id ``sb.snapshot()`` returned instead of booting
        (the other arguments must build the same image; another image or machine fails with
        SandboxLiveError, cli_code E_SNAPSHOT_MISMATCH)."""
        global _recording
        mode = sdk_mode()
        if snapshot is not None and mode != "live":
            raise SandboxModeError("Sandbox.create(snapshot=...) needs live mode, which resumes a saved microVM", hint="run with MVM_SDK_MODE=live to drive a real microVM")
        if (template is None) == (image is None):
            raise MvmError("E_BAD_KWARG", "Sandbox.create() needs a template or image=, not both")
        create: dict[str, Any] = {"template": template} if template is not None else {"image": dict(image.ir if isinstance(image, Helper) else image)}  # type: ignore[union-attr, arg-type]
        if env:
            create["env"] = _env_ir(env)
        if include is not None:
            create["include"] = check_str_list("Sandbox.create", "include", include)
        if tags:
            create["tags"] = dict(tags)
        if ttl is not None:
            create["ttl_seconds"] = int(ttl)
        if resources is not None:
            create["resources"] = dict(resources.ir)
        if network is not None:
            create["network"] = {"mode": network.ir["mode"]}
            if network.ir.get("ports"):
                create["network"]["ports"] = [dict(p) for p in network.ir["ports"]]
        if mode == "live":
            from ._sandbox_live import LIVE_DEFAULT_COMMAND, instance_name, live_create
        # Live mode needs an entrypoint that keeps the VM up; record mode leaves it to commands.start.
        if command is None and mode == "live":
            command = list(LIVE_DEFAULT_COMMAND)
        if command is not None:
            create["command"] = check_str_list("Sandbox.create", "command", command)
        wid = workload_id or "sandbox"
        rec = {"workload_id": wid, "create": create, "ops": []}
        if mode == "live":
            return cls(mode, live_create(rec, instance_name(workload_id), os.getcwd() if include is not None else None, snapshot=snapshot))
        # One recording per process: the first Sandbox.create is the one written.
        if _recording is None:
            _recording = rec
            import atexit

            atexit.register(_write_recording)
        return cls(mode)

    def _op(self, op: dict[str, Any]) -> None:
        if _recording is not None:
            _recording["ops"].append(op)

    def _running(self, what: str) -> LiveSession:
        if self._live is None:
            raise SandboxModeError(f"sb.{what}() needs a running sandbox, which record mode does not have", hint="run with MVM_SDK_MODE=live to drive a real microVM")
        if self._killed:
            raise SandboxNotFoundError(f"sandbox {self._live.name} (killed before {what})", "create a new sandbox")
        return self._live

    def exec(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        """Runs argv to completion; a non-zero exit is returned, not raised. ``timeout`` is in seconds."""
        argv = check_str_list("exec", "argv", argv)
        return self._running("exec").exec(argv, env=env, cwd=cwd, timeout=timeout)

    def snapshot(self) -> str:
        """Live: saves the running guest (``mvmctl snapshot``; it pauses briefly, then continues) and
        returns the snapshot id for ``Sandbox.create(same_template, ..., snapshot=id)``."""
        return self._running("snapshot").snapshot()

    def kill(self) -> None:
        """Stops the sandbox; calling it twice is fine. Record: recorded once. Live: ``mvmctl down``."""
        if self._killed:
            return
        if self._live is not None:
            self._live.stop()
        else:
            self._op({"kind": "kill"})
        self._killed = True

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
