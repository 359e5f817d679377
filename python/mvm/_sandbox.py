"""``mvm.Sandbox``: the imperative runtime SDK (spec/runtime-sdk.md).

Record mode (``MVM_SDK_MODE`` unset or ``record``) appends calls to a recording that is written
atomically to ``MVM_SDK_OUT_PATH`` at exit, only when ``Sandbox.create`` happened. Live mode drives
``mvmctl`` (``MVM_CLI_BIN``, else ``mvmctl`` on PATH) on a best-effort basis."""

from __future__ import annotations

import atexit
import base64
import json
import os
import subprocess
import tempfile
from typing import Any

from ._checks import Helper, check_str, check_str_list
from ._errors import MvmError

_MODES = ("record", "live")
_recording: dict[str, Any] | None = None


class SandboxModeError(MvmError):
    """A call that needs a running sandbox was made in record mode."""


class SandboxLiveError(MvmError):
    """mvmctl failed in live mode; carries its argv, exit code and stderr."""

    def __init__(self, argv: list[str], exit_code: int, stderr: str) -> None:
        super().__init__("E_SDK_LIVE", f"{' '.join(argv)} exited with {exit_code}: {stderr.strip()}")
        self.argv, self.exit_code, self.stderr = argv, exit_code, stderr


def sdk_mode() -> str:
    mode = os.environ.get("MVM_SDK_MODE") or "record"
    if mode not in _MODES:
        raise MvmError("E_SDK_MODE", f"MVM_SDK_MODE={mode!r} is not accepted; use one of: record, live")
    return mode


def _write_recording() -> None:
    path = os.environ.get("MVM_SDK_OUT_PATH")
    if _recording is None or not path:
        return
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

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        argv = check_str_list("commands.start", "argv", argv)
        self._sb._op({"kind": "command_start", "argv": argv, "env": dict(env or {})})


class _Files:
    def __init__(self, sb: Sandbox) -> None:
        self._sb = sb

    def write(self, path: str, data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self._sb._op({"kind": "files_write", "path": check_str("files.write", "path", path), "bytes_b64": base64.b64encode(raw).decode()})

    def read(self, path: str) -> bytes:
        self._sb._live_only("files.read")
        r = self._sb._cli(["exec", self._sb.name, "--json", "--", "cat", path])
        return json.loads(r)["stdout"].encode()


class Sandbox:
    """A sandbox. Use ``with Sandbox.create("python-3.12") as sb: ...``."""

    def __init__(self, create: dict[str, Any], mode: str) -> None:
        self.mode = mode
        self.name = create["workload_id"]
        self.commands = _Commands(self)
        self.files = _Files(self)
        self._killed = False

    @classmethod
    def create(
        cls,
        template: str | None = None,
        *,
        image: str | None = None,
        workload_id: str | None = None,
        env: dict[str, Any] | None = None,
        include: list[str] | None = None,
        tags: dict[str, str] | None = None,
        ttl: int | None = None,
        resources: Helper | None = None,
        network: Helper | None = None,
        command: list[str] | None = None,
    ) -> Sandbox:
        global _recording
        mode = sdk_mode()
        if (template is None) == (image is None):
            raise MvmError("E_BAD_KWARG", "Sandbox.create() needs a template or image=, not both")
        create: dict[str, Any] = {"template": template if template is not None else image}
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
        wid = workload_id or "sandbox"
        _recording = {"workload_id": wid, "create": create, "ops": []}
        atexit.register(_write_recording)
        sb = cls({"workload_id": wid}, mode)
        if command is not None:
            sb.commands.start(command)
        return sb

    def _op(self, op: dict[str, Any]) -> None:
        if _recording is not None:
            _recording["ops"].append(op)

    def _live_only(self, what: str) -> None:
        if self.mode != "live":
            raise SandboxModeError("E_SDK_MODE", f"sb.{what}() needs a running sandbox; it is not available in record mode", hint="set MVM_SDK_MODE=live")

    def _cli(self, args: list[str]) -> str:
        argv = [os.environ.get("MVM_CLI_BIN") or "mvmctl", *args]
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            raise SandboxLiveError(argv, r.returncode, r.stderr)
        return r.stdout

    def exec(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Runs argv in the sandbox (live mode, best effort); a non-zero exit is a result."""
        self._live_only("exec")
        return json.loads(self._cli(["exec", self.name, "--json", "--", *argv]))

    def snapshot(self) -> None:
        self._live_only("snapshot")
        raise MvmError("E_SDK_MODE", "sb.snapshot() is not implemented yet")

    def kill(self) -> None:
        """Stops the sandbox; calling it twice is fine."""
        if self._killed:
            return
        self._killed = True
        self._op({"kind": "kill"})
        if self.mode == "live":
            self._cli(["down", self.name])

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
