import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(mode="host"))
def svc() -> None:
    pass


mvm.emit_json()
