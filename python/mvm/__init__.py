"""mvm: declare a microVM workload next to the function it runs.

    import mvm

    @mvm.app(name="hello", image=mvm.python_image(python="3.12"))
    def greet(name: str) -> str:
        return f"hello {name}"

    if __name__ == "__main__":
        mvm.emit_json()

``mvmctl compile app.py`` reads the same declaration statically, without importing the file.
"""

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
from ._sandbox import (
    ExecResult,
    Sandbox,
    SandboxLiveError,
    SandboxModeError,
    SandboxNotFoundError,
    SandboxTimeoutError,
    SandboxUnsupportedError,
    StartedCommand,
)
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
