import mvm
@mvm.app(
    name="node-fn",
    image=mvm.node_image(node="20", packages=["git"]),
    entrypoint=mvm.entrypoint_function(module="handler", function="main", language="node", primary=True),
    dependencies=mvm.node_deps(lockfile="package-lock.json"),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
