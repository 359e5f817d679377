import mvm


@mvm.app(image=mvm.python_image(), colour="red")
def svc() -> None:
    pass


mvm.emit_json()
