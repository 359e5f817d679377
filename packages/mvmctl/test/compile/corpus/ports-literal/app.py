import mvm


@mvm.app(
    image=mvm.node_image(),
    entrypoint=mvm.entrypoint(command=["node", "/app/server.mjs"]),
    network=mvm.network(
        mode="bridge",
        ports=[{"mapping_id": "http", "host": 8080, "guest": 8080, "transform": "http"}],
        dns=mvm.dns_none(),
    ),
)
def web() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
