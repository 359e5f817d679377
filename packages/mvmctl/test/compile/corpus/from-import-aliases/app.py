import mvm
from mvm import app as declare, python_image, resources as res, secret as sec, network, host_port, egress as allow
@declare(
    name="from-import",
    image=python_image(),
    resources=res(cpu_cores=2, memory_mb=1024),
    network=network(mode="bridge", egress=allow([host_port("example.com", 8443)])),
    env={"TOKEN": sec("tok", hosts=["example.com"])},
)
def go() -> str:
    return "ok"

if __name__ == "__main__":
    mvm.emit_json()
