import mvm


@mvm.app(image=mvm.python_image(), entrypoint=mvm.entrypoint(command=["run"]), entrypoints=[mvm.entrypoint(command=["run"])])
def svc() -> None:
    pass


mvm.emit_json()
