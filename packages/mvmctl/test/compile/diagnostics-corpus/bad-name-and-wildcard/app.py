import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(mode="bridge", allow_https=["*.example.com"]))
def Bad_Name() -> None:
    pass


mvm.emit_json()
