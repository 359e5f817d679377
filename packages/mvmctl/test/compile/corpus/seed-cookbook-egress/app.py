import mvm
@mvm.app(
    name="egress-tool",
    image=mvm.python_image(),
    network=mvm.network(
        mode="bridge",
        egress=mvm.egress([
            mvm.host_port("api.openai.com", 443),
        ]),
        dns=mvm.dns_system(),
    ),
)
def call_api(prompt: str) -> str:
    return prompt

if __name__ == "__main__":
    mvm.emit_json()
