import mvm


@mvm.app(image=mvm.python_image(), env={"A": 1})
def svc() -> None:
    pass


mvm.emit_json()
