"""Live mode's only way into the runtime: run the mvmctl CLI and turn its exit code and its
structured error (one JSON line on the descriptor named by MVM_ERROR_FD) into typed errors.
Mirrors mvm-sdk's sandbox-cli.ts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from ._errors import MvmError
from ._sandbox_errors import SandboxLiveError, SandboxNotFoundError, SandboxTimeoutError

_CHANNEL_CAP = 64 * 1024


@dataclass
class CliResult:
    exit_code: int
    stdout: bytes
    stderr: str
    # mvmctl's own error from its structured channel; None when mvmctl itself did not fail.
    error: dict[str, str] | None = None


def cli_command(env: Mapping[str, str] | None = None) -> list[str]:
    """MVM_CLI_BIN, else ``mvmctl`` on PATH; a .js/.mjs/.cjs path runs through node."""
    bin_ = (os.environ if env is None else env).get("MVM_CLI_BIN") or "mvmctl"
    if re.search(r"\.[cm]?js$", bin_):
        return [shutil.which("node") or "node", bin_]
    return [bin_]


def redact_argv(argv: list[str]) -> list[str]:
    """argv as it may appear in an error: ``-e KEY=VALUE`` values are replaced (they carry secrets)."""
    out = []
    for i, a in enumerate(argv):
        if i > 0 and argv[i - 1] in ("-e", "--env") and "=" in a:
            a = a[: a.index("=")] + "=<redacted>"
        out.append(a)
    return out


def parse_error_channel(text: str) -> dict[str, str] | None:
    """The last well-formed JSON line with string code and message on the error channel."""
    for line in reversed(text.split("\n")):
        if not line.strip():
            continue
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict) and isinstance(v.get("code"), str) and isinstance(v.get("message"), str):
            out = {"code": v["code"], "message": v["message"]}
            if isinstance(v.get("hint"), str):
                out["hint"] = v["hint"]
            return out
    return None


def cli_failure(argv: list[str], r: CliResult, timeout_ms: int | None = None) -> MvmError:
    shown = redact_argv(argv)
    e = r.error
    if e and e["code"] == "E_INVOKE_TIMEOUT":
        return SandboxTimeoutError(" ".join(shown), timeout_ms or 0)
    if e and e["code"] in ("E_GUEST_NOT_FOUND", "E_INSTANCE_NOT_FOUND"):
        return SandboxNotFoundError(e["message"], e.get("hint"), e["message"])
    return SandboxLiveError(shown, r.exit_code, r.stderr, e["code"] if e else None)


def run_cli(args: list[str], stdin: bytes | None = None, cwd: str | None = None) -> CliResult:
    """Runs mvmctl; returns whatever it did (the caller decides what is a failure)."""
    exe = cli_command()
    # The structured error channel: mvmctl writes its own error there as JSON, so it is never
    # parsed out of stderr, which a command run by `exec` shares with mvmctl.
    rfd, wfd = os.pipe()
    env = {**os.environ, "NO_COLOR": "1", "MVM_ERROR_FD": str(wfd)}
    env.pop("FORCE_COLOR", None)
    chunks: list[bytes] = []

    def drain() -> None:
        size = 0
        while True:
            b = os.read(rfd, 65536)
            if not b:
                return
            if size < _CHANNEL_CAP:
                chunks.append(b)
                size += len(b)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        try:
            p = subprocess.run([*exe, *args], input=stdin or b"", capture_output=True, cwd=cwd, env=env, pass_fds=(wfd,))
        finally:
            os.close(wfd)
    except FileNotFoundError as e:
        reader.join()
        os.close(rfd)
        raise SandboxNotFoundError(f"the mvmctl CLI ({exe[0]})", "install mvmctl on PATH or set MVM_CLI_BIN to its path") from e
    reader.join()
    os.close(rfd)
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    error = parse_error_channel(b"".join(chunks).decode("utf-8", "replace"))
    return CliResult(code, p.stdout, p.stderr.decode("utf-8", "replace"), error)


def cli(args: list[str], stdin: bytes | None = None, cwd: str | None = None) -> CliResult:
    """Runs mvmctl and raises a typed error when it exits non-zero."""
    r = run_cli(args, stdin, cwd)
    if r.exit_code != 0:
        raise cli_failure(["mvmctl", *args], r)
    return r


def cli_json(args: list[str], stdin: bytes | None = None, cwd: str | None = None) -> Any:
    r = cli(args, stdin, cwd)
    try:
        return json.loads(r.stdout)
    except ValueError:
        raise SandboxLiveError(["mvmctl", *redact_argv(args)], r.exit_code, "mvmctl printed no JSON on stdout: " + r.stdout[:200].decode("utf-8", "replace")) from None
