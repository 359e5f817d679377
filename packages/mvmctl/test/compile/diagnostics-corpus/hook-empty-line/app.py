import mvm


@mvm.app(image=mvm.python_image(), before_start="")
def svc() -> None:
    pass


mvm.emit_json()
