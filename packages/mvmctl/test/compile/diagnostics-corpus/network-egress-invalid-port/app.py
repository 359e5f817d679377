import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(mode="bridge", egress=[mvm.host_port("api.example.com", 70000)]))
def svc() -> None:
    pass


mvm.emit_json()
