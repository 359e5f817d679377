import mvm


@mvm.app(image=mvm.python_image(), env={"TOKEN": mvm.secret("api-token", hosts=["*"])})
def svc() -> None:
    pass


mvm.emit_json()
