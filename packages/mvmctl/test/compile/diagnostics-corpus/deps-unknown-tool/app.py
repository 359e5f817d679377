import mvm


@mvm.app(image=mvm.python_image(), dependencies=mvm.python_deps(lockfile="uv.lock", tool="poetry"))
def svc() -> None:
    pass


mvm.emit_json()
