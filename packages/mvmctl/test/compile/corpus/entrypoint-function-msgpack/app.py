import mvm
@mvm.app(
    name="msgpack",
    image=mvm.python_image(),
    entrypoints=(
        mvm.entrypoint_function(module="svc.api", function="encode", format="msgpack", primary=True),
        mvm.entrypoint_function(module="svc.api", function="decode", format="json", primary=False),
    ),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()
