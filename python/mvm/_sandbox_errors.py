"""The Sandbox's typed errors; the same classes and codes as mvm-sdk's (TypeScript) errors.ts."""

from __future__ import annotations

from ._errors import MvmError


class SandboxModeError(MvmError):
    """``MVM_SDK_MODE`` is not accepted, or a call needs a mode other than the current one."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__("E_SDK_MODE", message, hint=hint or "set MVM_SDK_MODE to record or live (or leave it unset for record)")


class SandboxLiveError(MvmError):
    """An mvmctl invocation failed in live mode; carries its argv, exit code and stderr.

    A command's own non-zero exit is a result (``ExecResult.exit_code``), never this error."""

    def __init__(self, argv: list[str], exit_code: int | None, stderr: str, cli_code: str | None = None) -> None:
        lines = [ln for ln in stderr.strip().split("\n") if ln and not ln.startswith("hint: ")]
        last = lines[-1] if lines else ""
        super().__init__(
            "E_SDK_LIVE",
            f"{' '.join(argv)} failed (exit {'none' if exit_code is None else exit_code})" + (f": {last}" if last else ""),
            hint="run the same mvmctl command yourself to see the full output; MVM_CLI_BIN selects the binary",
        )
        self.argv, self.exit_code, self.stderr, self.cli_code = argv, exit_code, stderr, cli_code


class SandboxNotFoundError(MvmError):
    """The sandbox, a guest path, a guest program or mvmctl itself does not exist."""

    def __init__(self, what: str, hint: str | None = None, message: str | None = None) -> None:
        super().__init__("E_SDK_NOT_FOUND", message or f"{what} was not found", hint=hint or "check the name or path")


class SandboxTimeoutError(MvmError):
    """A live call outlived its ``timeout``."""

    def __init__(self, what: str, timeout_ms: int) -> None:
        super().__init__("E_SDK_TIMEOUT", f"{what} did not finish within {timeout_ms} ms", hint="raise the timeout or make the command finish sooner")
        self.timeout_ms = timeout_ms


class SandboxUnsupportedError(MvmError):
    """The call exists in the API but mvm does not provide it (yet), e.g. ``sb.snapshot()``."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__("E_SDK_UNSUPPORTED", f"{what} is not supported by this version of mvm", hint=hint)
