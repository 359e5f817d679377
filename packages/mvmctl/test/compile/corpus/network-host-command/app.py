import mvm
@mvm.app(
    name="host-net",
    image=mvm.nix_packages(["busybox"]),
    network=mvm.network(mode="host"),
    entrypoint=mvm.entrypoint(command=["busybox", "httpd", "-f", "-p", "8000"]),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
