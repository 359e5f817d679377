import mvm


@mvm.app(image=mvm.python_image(), resources=mvm.resources(cpu_cores=64, memory_mb=32))
def svc() -> None:
    pass


mvm.emit_json()
