import mvm
@mvm.app(
    name="node-default",
    image=mvm.node_image(),
    entrypoint=mvm.entrypoint(command=["node", "/app/server.mjs"]),
    dependencies=mvm.node_deps(lockfile="pnpm-lock.yaml", tool="pnpm"),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
