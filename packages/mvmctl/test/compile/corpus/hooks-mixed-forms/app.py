import mvm


@mvm.app(
    name="hooks",
    image=mvm.python_image(),
    before_build=["pip", "install", "--no-index", "./wheels"],
    before_start=[mvm.hook("echo one"), "echo two", ["echo", "three"], mvm.hook(["echo", "four"])],
    after_start="test -f /tmp/ready",
    before_stop=None,
)
def f() -> None:
    pass


if __name__ == "__main__":
    mvm.emit_json()
