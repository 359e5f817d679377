import mvm


@mvm.app(image=mvm.python_image(), source=mvm.local_path(3))
def svc() -> None:
    pass


mvm.emit_json()
