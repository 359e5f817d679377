import mvm


@mvm.app(name="svc")
def svc() -> None:
    pass


mvm.emit_json()
