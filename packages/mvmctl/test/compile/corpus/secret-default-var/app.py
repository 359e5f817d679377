import mvm


@mvm.app(
    image=mvm.node_image(),
    # No var: the secret is mounted under the env key.
    env={"DB_PASSWORD": mvm.secret("db-password", hosts=["db.internal"]), "API_KEY": mvm.secret("api-key", hosts=["api.example.com"])},
    network=mvm.network(mode="deny", allow_https=["api.example.com"], egress=[mvm.host_port("db.internal", 5432)]),
)
def secrets() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
