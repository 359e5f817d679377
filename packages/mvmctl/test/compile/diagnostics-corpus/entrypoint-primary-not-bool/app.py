import mvm


@mvm.app(image=mvm.python_image(), entrypoint=mvm.entrypoint_function(module="app", function="svc", primary=1))
def svc() -> None:
    pass


mvm.emit_json()
