import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(mode="bridge", ports=[{"mapping_id": "web", "host": 8080, "guest": 80, "bind": "x"}]))
def svc() -> None:
    pass


mvm.emit_json()
