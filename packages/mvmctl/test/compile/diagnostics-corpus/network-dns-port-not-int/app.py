import mvm


@mvm.app(image=mvm.python_image(), network=mvm.network(mode="bridge", dns=mvm.dns_resolver("1.1.1.1", port="x")))
def svc() -> None:
    pass


mvm.emit_json()
