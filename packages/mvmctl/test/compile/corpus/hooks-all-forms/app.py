import mvm


@mvm.app(
    image=mvm.node_image(),
    entrypoint=mvm.entrypoint(command=["node", "/app/server.mjs"]),
    # A string is one shell hook; a list of strings is one argv hook.
    before_build="echo building > /tmp/built",
    before_start=["touch", "/run/started"],
    # A list holding anything but strings is a list of hooks.
    after_start=[mvm.hook("test -f /run/started"), ["true"], "echo ready"],
    before_stop=[],
)
def svc() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
