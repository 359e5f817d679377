import mvm
@mvm.app(
    name="deny-egress",
    image=mvm.python_image(),
    network=mvm.network(mode="deny", egress=mvm.egress([mvm.host_port("api.example.com", 443)]), allow_https=["auth.example.com"], dns=mvm.dns_none()),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
