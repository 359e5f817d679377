import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(xs):
    if (n := len(xs)) > 2:
        return n
    return [y for x in xs if (y := x * 2) > 1]
