import mvm


# A small HTTP service reachable from the host: the guest's server listens on its own loopback
# (127.0.0.1:8000) and the declared port forward "web" carries host 127.0.0.1:18080 to it. The
# network is bridge with no egress declared, so the guest itself still reaches nothing.
@mvm.app(
    name="web",
    source=mvm.local_path(".", include=["server.py", "healthcheck.py"]),
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu_cores=1, memory_mb=256, rootfs_size_mb=512),
    network=mvm.network(
        mode="bridge",
        ports=[{"mapping_id": "web", "host": 18080, "guest": 8000}],
    ),
    entrypoint=mvm.entrypoint(command=["python3", "/app/server.py"]),
    # Readiness: `mvmctl up` returns only once the server answers inside the guest.
    after_start=mvm.hook(["python3", "/app/healthcheck.py"]),
)
def web() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
