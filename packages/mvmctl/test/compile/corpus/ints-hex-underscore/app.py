import mvm
@mvm.app(
    name="ints",
    image=mvm.python_image(),
    resources=mvm.resources(cpu_cores=0b10, memory_mb=0x200, rootfs_size_mb=2_048),
    network=mvm.network(mode="bridge", egress=mvm.egress([mvm.host_port("db.internal", 0o17440)])),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
