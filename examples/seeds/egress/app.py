import mvm
@mvm.app(
    name="egress",
    image=mvm.python_image(),
    network=mvm.network(
        mode="bridge",
        egress=mvm.egress([
            mvm.host_port("api.openai.com", 443),
        ]),
        dns=mvm.dns_system(),
    ),
)
def egress() -> None:
    pass
