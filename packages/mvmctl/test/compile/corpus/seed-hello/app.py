import mvm


@mvm.app(
    name="hello-app",
    source=mvm.local_path("."),
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu=1, memory_mb=256),
    entrypoint=mvm.entrypoint_function(
        module="app",
        function="greet",
        primary=True,
    ),
    before_start="export HELLO_BANNER='hi'",
)
def greet(name: str) -> str:
    return f"hello {name}"


if __name__ == "__main__":
    mvm.emit_json()
