import mvm


@mvm.app(image=mvm.python_image(), env={"BAD-NAME": "x"})
def svc() -> None:
    pass


mvm.emit_json()
