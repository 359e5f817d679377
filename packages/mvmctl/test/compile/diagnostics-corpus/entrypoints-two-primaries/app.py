import mvm


@mvm.app(image=mvm.python_image(), entrypoints=[mvm.entrypoint_function(module="app", function="a", primary=True), mvm.entrypoint_function(module="app", function="b", primary=True)])
def svc() -> None:
    pass


mvm.emit_json()
