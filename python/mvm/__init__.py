"""mvm: declare a microVM workload next to the function it runs.

    import mvm

    @mvm.app(name="hello", image=mvm.python_image(python="3.12"))
    def greet(name: str) -> str:
        return f"hello {name}"

    if __name__ == "__main__":
        mvm.emit_json()

``mvmctl compile app.py`` reads the same declaration statically, without importing the file.
"""

# ``import mvm`` loads only this file: each name below is imported from its submodule the first
# time it is used (PEP 562), so a module that only declares an app (``@mvm.app(...)`` and the
# helpers) never pays for validation, hashing, subprocess, the fetch client or Sandbox. In a guest
# the runner imports the user's module on the first call, so this is that call's latency.
# Type checkers read the imports below instead (TYPE_CHECKING is False at runtime, True for them;
# not typing.TYPE_CHECKING, which would import typing).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._app import app, workload
    from ._emit import emit_json
    from ._errors import MvmError
    from ._fetch import (
        FetchDeniedError,
        FetchError,
        FetchInvalidError,
        FetchResponse,
        FetchTimeoutError,
        FetchTooLargeError,
        FetchUnavailableError,
        FetchUpstreamError,
        web_fetch,
        web_search,
    )
    from ._sandbox import Sandbox
    from ._sandbox_errors import (
        SandboxLiveError,
        SandboxModeError,
        SandboxNotFoundError,
        SandboxTimeoutError,
        SandboxUnsupportedError,
    )
    from ._sandbox_live import ExecResult, StartedCommand
    from ._helpers import (
        dns_none,
        dns_resolver,
        dns_system,
        egress,
        entrypoint,
        entrypoint_function,
        hook,
        host_port,
        literal,
        local_path,
        network,
        nix_packages,
        no_deps,
        node_deps,
        node_image,
        python_deps,
        python_image,
        resources,
        secret,
    )

__all__ = [
    "app",
    "workload",
    "local_path",
    "python_image",
    "node_image",
    "nix_packages",
    "resources",
    "network",
    "egress",
    "host_port",
    "dns_system",
    "dns_none",
    "dns_resolver",
    "literal",
    "secret",
    "hook",
    "entrypoint_function",
    "entrypoint",
    "python_deps",
    "node_deps",
    "no_deps",
    "emit_json",
    "Sandbox",
    "SandboxLiveError",
    "SandboxModeError",
    "SandboxNotFoundError",
    "SandboxTimeoutError",
    "SandboxUnsupportedError",
    "ExecResult",
    "StartedCommand",
    "MvmError",
    "web_fetch",
    "web_search",
    "FetchResponse",
    "FetchError",
    "FetchDeniedError",
    "FetchTimeoutError",
    "FetchTooLargeError",
    "FetchUpstreamError",
    "FetchInvalidError",
    "FetchUnavailableError",
]

_LAZY = {
    "app": "_app",
    "workload": "_app",
    "emit_json": "_emit",
    "MvmError": "_errors",
    "FetchDeniedError": "_fetch",
    "FetchError": "_fetch",
    "FetchInvalidError": "_fetch",
    "FetchResponse": "_fetch",
    "FetchTimeoutError": "_fetch",
    "FetchTooLargeError": "_fetch",
    "FetchUnavailableError": "_fetch",
    "FetchUpstreamError": "_fetch",
    "web_fetch": "_fetch",
    "web_search": "_fetch",
    "ExecResult": "_sandbox_live",
    "Sandbox": "_sandbox",
    "SandboxLiveError": "_sandbox_errors",
    "SandboxModeError": "_sandbox_errors",
    "SandboxNotFoundError": "_sandbox_errors",
    "SandboxTimeoutError": "_sandbox_errors",
    "SandboxUnsupportedError": "_sandbox_errors",
    "StartedCommand": "_sandbox_live",
    "dns_none": "_helpers",
    "dns_resolver": "_helpers",
    "dns_system": "_helpers",
    "egress": "_helpers",
    "entrypoint": "_helpers",
    "entrypoint_function": "_helpers",
    "hook": "_helpers",
    "host_port": "_helpers",
    "literal": "_helpers",
    "local_path": "_helpers",
    "network": "_helpers",
    "nix_packages": "_helpers",
    "no_deps": "_helpers",
    "node_deps": "_helpers",
    "node_image": "_helpers",
    "python_deps": "_helpers",
    "python_image": "_helpers",
    "resources": "_helpers",
    "secret": "_helpers",
}

if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any mvm.<name>

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(__import__(module, globals(), None, (name,), 1), name)
        globals()[name] = value  # later lookups do not come back here
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
