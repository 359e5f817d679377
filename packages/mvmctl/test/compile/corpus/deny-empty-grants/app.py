import mvm


@mvm.app(image=mvm.node_image(), network=mvm.network(mode="deny", allow_https=[]))
def closed() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
