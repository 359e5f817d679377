import mvm


@mvm.app(image=mvm.python_image(python="3"))
def svc() -> None:
    pass


mvm.emit_json()
