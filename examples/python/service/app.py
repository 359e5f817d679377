import mvm


# A long-running service with all four hooks. Each hook only uses what a Debian bookworm guest
# with python3 has (sh, coreutils), writes a marker file, and the readiness probe checks them.
@mvm.app(
    name="service",
    source=mvm.local_path(".", include=["server.py", "healthcheck.py"]),
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu_cores=1, memory_mb=256, rootfs_size_mb=512),
    network=mvm.network(mode="none"),
    entrypoint=mvm.entrypoint(command=["python3", "/app/server.py"]),
    before_build="mkdir -p /var/lib/service && echo built > /var/lib/service/built",
    before_start=mvm.hook("mkdir -p /run/service && date +%s > /run/service/started"),
    after_start=mvm.hook(["python3", "/app/healthcheck.py"]),
    before_stop=mvm.hook(["sh", "-c", "echo stopping > /run/service/stopped"]),
)
def service() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
