import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(x, width=10):
    name = "w"
    return f"{x!r:>{width}} {name=} {'q'} {{literal}} {x:%Y}" + rf"\d{x}"
