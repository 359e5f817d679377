"""Live mode's only way into the runtime: run the mvmctl CLI and turn its exit code and its error
block into typed errors. Mirrors mvm-sdk's sandbox-cli.ts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Mapping

from ._errors import MvmError
from ._sandbox_errors import SandboxLiveError, SandboxNotFoundError, SandboxTimeoutError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ERROR_LINE = re.compile(r"^error\[(E_[A-Z0-9_]+)\]: (.*)$")


@dataclass
class CliResult:
    exit_code: int
    stdout: bytes
    stderr: str


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


def parse_cli_error(stderr: str) -> dict[str, str] | None:
    """The ``error[E_CODE]: message`` (+ ``hint: ...``) block mvmctl prints last on stderr."""
    lines = _ANSI.sub("", stderr).rstrip().split("\n")
    hint = None
    if len(lines) > 1 and lines[-1].startswith("hint: "):
        hint = lines.pop()[6:]
    m = _ERROR_LINE.match(lines[-1] if lines else "")
    if not m:
        return None
    out = {"code": m.group(1), "message": m.group(2)}
    if hint is not None:
        out["hint"] = hint
    return out


def cli_failure(argv: list[str], r: CliResult, timeout_ms: int | None = None) -> MvmError:
    shown = redact_argv(argv)
    e = parse_cli_error(r.stderr)
    if e and e["code"] == "E_INVOKE_TIMEOUT":
        return SandboxTimeoutError(" ".join(shown), timeout_ms or 0)
    if e and e["code"] in ("E_GUEST_NOT_FOUND", "E_INSTANCE_NOT_FOUND"):
        return SandboxNotFoundError(e["message"], e.get("hint"), e["message"])
    return SandboxLiveError(shown, r.exit_code, _ANSI.sub("", r.stderr), e["code"] if e else None)


def run_cli(args: list[str], stdin: bytes | None = None, cwd: str | None = None) -> CliResult:
    """Runs mvmctl; returns whatever it did (the caller decides what is a failure)."""
    exe = cli_command()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    try:
        p = subprocess.run([*exe, *args], input=stdin or b"", capture_output=True, cwd=cwd, env=env)
    except FileNotFoundError as e:
        raise SandboxNotFoundError(f"the mvmctl CLI ({exe[0]})", "install mvmctl on PATH or set MVM_CLI_BIN to its path") from e
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return CliResult(code, p.stdout, p.stderr.decode("utf-8", "replace"))


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
