import mvm


@mvm.app(image=mvm.python_image(), resources=mvm.resources(gpu=1))
def svc() -> None:
    pass


mvm.emit_json()
