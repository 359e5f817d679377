import mvm
@mvm.app(
    name="web",
    image=mvm.python_image(),
    network=mvm.network(
        mode="bridge",
        ports=[
            {"mapping_id": "http", "host": 8080, "guest": 8080},
            {"mapping_id": "metrics", "proto": "tcp", "host_addr": "127.0.0.1", "host": 9100,
             "guest_addr": "127.0.0.1", "guest": 9100, "transform": "http"},
        ],
    ),
    entrypoint=mvm.entrypoint(command=["python3", "-m", "http.server", "8080"]),
)
def web() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
