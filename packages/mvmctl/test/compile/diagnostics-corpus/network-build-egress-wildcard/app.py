import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(build_egress=[mvm.host_port("*.example.com", 443)]))
def f() -> None:
    pass


mvm.emit_json()
