import mvm
@mvm.app(
    name="dns-variants",
    image=mvm.python_image(),
    network=mvm.network(mode="bridge", dns=mvm.dns_resolver(host="1.1.1.1", port=5353)),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
