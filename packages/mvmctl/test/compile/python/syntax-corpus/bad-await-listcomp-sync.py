import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(xs, wrap):
    return [await wrap(x) for x in xs]
