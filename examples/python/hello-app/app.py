import mvm


@mvm.app(
    name="hello-app",
    source=mvm.local_path("."),
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu_cores=1, memory_mb=256, rootfs_size_mb=512),
    entrypoint=mvm.entrypoint_function(
        module="app",
        function="greet",
        primary=True,
    ),
    env={
        "MODEL_PATH": mvm.literal("/data/model.pt"),
        "API_KEY": mvm.secret("api-key"),
    },
    before_start="export HELLO_BANNER='hi'",
    # The SDK page probes http://127.0.0.1:8080/health with curl, but this app serves no HTTP and
    # the guest has no curl, so that probe would never pass and the instance never turn ready.
    # The readiness probe here checks what this app needs instead: its module imports cleanly.
    after_start=mvm.hook(["python3", "-c", "import sys; sys.path.insert(0, '/app'); import app"]),
)
def greet(name: str) -> str:
    return f"hello {name}"


if __name__ == "__main__":
    mvm.emit_json()
