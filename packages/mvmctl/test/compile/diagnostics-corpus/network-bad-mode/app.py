import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(mode="open"))
def svc() -> None:
    pass


mvm.emit_json()
