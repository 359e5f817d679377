"""Live mode: one running microVM per Sandbox, driven through mvmctl verbs. Mirrors mvm-sdk's
sandbox-live.ts: create() lowers the recording record mode would write (compile --from-recording
-> build -> up); every later call is one mvmctl invocation against the instance name."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from ._errors import MvmError
from ._sandbox_cli import cli, cli_failure, cli_json, run_cli
from ._sandbox_errors import SandboxLiveError

#: What a live sandbox runs as its entrypoint when create() is given no command: nothing, forever.
LIVE_DEFAULT_COMMAND = ["sleep", "infinity"]


@dataclass
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    duration_ms: int


@dataclass
class StartedCommand:
    pid: int
    """Guest pid of the background process."""
    log_path: str
    """Guest file that receives its stdout and stderr."""


#: mvmctl's instance name rule (packages/mvmctl/src/runtime/paths.ts). ASCII only, and matched
#: with fullmatch: Python's ``$`` would also accept a trailing newline.
_INSTANCE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}", re.ASCII)


def assert_instance_name(name: object) -> str:
    """Refuses a name mvmctl would refuse, before it becomes an argv (a name is a path in the
    store: ``..`` would be $MVM_HOME itself). Also guards the name ``up`` reports back."""
    if not isinstance(name, str) or not _INSTANCE_NAME_RE.fullmatch(name) or not name.strip("."):
        shown = json.dumps(name[:80]) if isinstance(name, str) else type(name).__name__
        raise MvmError(
            "E_INSTANCE_NAME_INVALID",
            f"invalid instance name {shown}",
            hint="use 1-63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def instance_name(workload_id: str | None) -> str:
    """A unique mvmctl instance name ([a-z0-9][a-z0-9._-]{0,62}) based on the workload id."""
    base = re.sub(r"[^a-z0-9._-]+", "-", (workload_id or "sandbox").lower(), flags=re.ASCII)
    base = re.sub(r"^[^a-z0-9]+", "", base, flags=re.ASCII)[:48] or "sandbox"
    return assert_instance_name(f"{base}-{secrets.token_hex(4)}")


def start_script(base: str) -> str:
    """The guest shell script behind commands.start (argv arrives as "$@"); see LiveSession.start."""
    inner = 'echo $$ >"$0"; exec "$@"'
    return "\n".join(
        [
            f"p={base}.pid",
            f"setsid /bin/sh -c '{inner}' \"$p\" \"$@\" </dev/null >{base}.log 2>&1 &",
            'i=0; while [ ! -s "$p" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done',
            'cat "$p" 2>/dev/null; rm -f "$p"',
        ]
    )


def _env_flags(env: dict[str, str] | None) -> list[str]:
    return [x for k, v in (env or {}).items() for x in ("-e", f"{k}={v}")]


def live_create(recording: dict[str, Any], name: str, source_dir: str | None, snapshot: str | None = None) -> LiveSession:
    """Boots a sandbox from a recording; ``source_dir`` is what ``include`` globs are matched in."""
    assert_instance_name(name)
    tmp = tempfile.mkdtemp(prefix="mvm-sandbox-")
    try:
        # With no include the source is an empty dir: bundling the caller's cwd by default ("**")
        # would copy whatever the script happens to run in into the image.
        os.mkdir(os.path.join(tmp, "src"))
        out = os.path.join(tmp, "compiled")
        data = json.dumps(recording).encode()
        cli_json(["compile", "--from-recording", "-", "--out", out, "--json"], stdin=data, cwd=source_dir or os.path.join(tmp, "src"))
        digest = cli_json(["build", out, "--json"])["digest"]
        try:
            up = cli_json(["up", digest, "--name", name, "--json", *(["--snapshot", snapshot] if snapshot is not None else [])])
        except Exception:
            # A failed up can leave a failed instance behind; down is the documented way to clear it.
            run_cli(["down", name])
            raise
        if up.get("name") != name:
            # mvmctl booted the name it was given; anything else in its reply is never used as a name.
            run_cli(["down", name])
            assert_instance_name(up.get("name"))
            raise MvmError("E_INSTANCE_NAME_INVALID", f"mvmctl up reported instance {json.dumps(up.get('name'))}, not the {json.dumps(name)} it was asked for")
        return LiveSession(name, up)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class LiveSession:
    def __init__(self, name: str, info: dict[str, Any]) -> None:
        self.name, self.info = assert_instance_name(name), info
        self._stopped = False

    def exec(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None, timeout: float | None = None) -> ExecResult:
        args = ["exec", self.name, *(["--cwd", cwd] if cwd else []), *_env_flags(env)]
        timeout_ms = None if timeout is None else max(1, round(timeout * 1000))
        if timeout_ms is not None:
            args += ["--timeout", f"{timeout_ms}ms"]
        args += ["--", *argv]
        t0 = time.monotonic()
        r = run_cli(args)
        duration_ms = round((time.monotonic() - t0) * 1000)
        # mvmctl exec exits with the command's code; only an error on the structured channel is mvmctl's own.
        if r.exit_code != 0 and r.error:
            raise cli_failure(["mvmctl", *args], r, timeout_ms)
        return ExecResult(r.exit_code, r.stdout.decode("utf-8", "replace"), r.stderr, duration_ms)

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> StartedCommand:
        """Starts argv in the background and returns once it runs.

        The agent kills a call's process group when the call ends and mvmctl exec holds its call
        until the process exits, so a guest shell moves argv into a new session (setsid) and waits
        for the new session's pid file: returning earlier races the group kill."""
        base = f"/tmp/mvm-command-{secrets.token_hex(4)}"
        r = self.exec(["/bin/sh", "-c", start_script(base), "mvm-start", *argv], env=env)
        try:
            pid = int(r.stdout.strip())
        except ValueError:
            pid = None
        if r.exit_code != 0 or pid is None:
            raise SandboxLiveError(["mvmctl", "exec", self.name, "--", *argv], r.exit_code, r.stderr or "the background command did not report its pid (is setsid in the image?)")
        return StartedCommand(pid, f"{base}.log")

    def snapshot(self) -> str:
        """``mvmctl snapshot --json``: the id ``up --snapshot`` takes."""
        sid = cli_json(["snapshot", self.name, "--json"]).get("id")
        if not isinstance(sid, str) or not re.fullmatch(r"[0-9a-z][0-9a-z-]{0,71}", sid):
            raise MvmError("E_SDK_LIVE", f"mvmctl snapshot returned no usable id: {json.dumps(sid)}")
        return sid

    def read(self, path: str) -> bytes:
        return cli(["fs", "read", self.name, path]).stdout

    def write(self, path: str, data: bytes) -> None:
        cli(["fs", "write", self.name, path, "--parents"], stdin=data)

    def list(self, path: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = cli_json(["fs", "ls", self.name, path, "--json"])["entries"]
        return entries

    def stat(self, path: str) -> dict[str, Any]:
        info: dict[str, Any] = cli_json(["fs", "stat", self.name, path, "--json"])
        return info

    def mkdir(self, path: str, parents: bool) -> None:
        cli(["fs", "mkdir", self.name, path, *(["--parents"] if parents else [])])

    def remove(self, path: str, recursive: bool) -> None:
        cli(["fs", "rm", self.name, path, *(["--recursive"] if recursive else [])])

    def move(self, src: str, dst: str) -> None:
        cli(["fs", "mv", self.name, src, dst])

    def stop(self) -> None:
        """Idempotent: a second call, or an instance already gone, is not an error."""
        if self._stopped:
            return
        r = run_cli(["down", self.name])
        if r.exit_code != 0:
            e = cli_failure(["mvmctl", "down", self.name], r)
            if e.code != "E_SDK_NOT_FOUND":
                raise e
        self._stopped = True
