import mvm


# A command entrypoint: the guest runs worker.py as a process instead of exposing a function.
# No python_deps here: examples must build offline, and uv.lock needs a real lockfile with hashes.
@mvm.app(
    name="worker",
    source=mvm.local_path(".", include=["worker.py"]),
    image=mvm.python_image(),
    resources=mvm.resources(cpu_cores=1, memory_mb=256, rootfs_size_mb=512),
    network=mvm.network(mode="none"),
    entrypoint=mvm.entrypoint(command=["python3", "/app/worker.py"], env={"WORKER_BATCH": "10"}),
)
def worker() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
