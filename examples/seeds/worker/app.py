import mvm
@mvm.app(
    name="worker",
    source=mvm.local_path(".", include=["worker.py", "uv.lock"]),
    image=mvm.python_image(packages=["uv"]),
    resources=mvm.resources(cpu_cores=1, memory_mb=512, rootfs_size_mb=1024),
    dependencies=mvm.python_deps(lockfile="uv.lock"),
    network=mvm.network(mode="none"),
    entrypoint=mvm.entrypoint(command=["python", "/app/worker.py"]),
)
def worker() -> None:
    pass
