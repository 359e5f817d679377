import mvm


@mvm.app(image=mvm.python_image(), resources=mvm.resources(cpu=1, cpu_cores=2))
def svc() -> None:
    pass


mvm.emit_json()
