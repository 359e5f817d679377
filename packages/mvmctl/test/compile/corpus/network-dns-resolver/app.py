import mvm
@mvm.app(
    name="resolver",
    image=mvm.python_image(),
    network=mvm.network(mode="bridge", egress=mvm.egress([mvm.host_port("pypi.org", 443), mvm.host_port(host="files.pythonhosted.org", port=443)]), dns=mvm.dns_resolver("10.0.0.53")),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
