import mvm

@mvm.app(name="api", image=mvm.python_image(), network=None, dependencies=None)
def api() -> None:
    pass

mvm.workload(id="api-workload")

if __name__ == "__main__":
    mvm.emit_json()
