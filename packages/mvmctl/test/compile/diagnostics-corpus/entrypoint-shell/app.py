import mvm


@mvm.app(image=mvm.python_image(), entrypoint=mvm.entrypoint(command=["/bin/sh", "-c", "run"]))
def svc() -> None:
    pass


mvm.emit_json()
