import mvm


@mvm.app(image=mvm.python_image(), entrypoint=mvm.entrypoint_function(module="app"))
def svc() -> None:
    pass


mvm.emit_json()
