import mvm


@mvm.app(image=mvm.python_image(), entrypoints=[mvm.entrypoint_function(module="app", function="a"), mvm.entrypoint_function(module="app", function="b")])
def svc() -> None:
    pass


mvm.emit_json()
