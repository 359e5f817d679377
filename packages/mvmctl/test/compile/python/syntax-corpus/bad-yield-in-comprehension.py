import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(xs):
    return [(yield x) for x in xs]
