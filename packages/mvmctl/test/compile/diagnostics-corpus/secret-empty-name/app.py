import mvm


@mvm.app(image=mvm.python_image(), env={"TOKEN": mvm.secret("", hosts=["api.example.com"])})
def svc() -> None:
    pass


mvm.emit_json()
