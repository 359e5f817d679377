import mvm


@mvm.app(image=mvm.python_image(), env={"TOKEN": mvm.secret("api-token", type="token", hosts=["api.example.com"])})
def svc() -> None:
    pass


mvm.emit_json()
