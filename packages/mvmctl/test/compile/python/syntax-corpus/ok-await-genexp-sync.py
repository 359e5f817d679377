import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(xs, wrap):
    return (x * 2 for x in xs if await wrap(x))
