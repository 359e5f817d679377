import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    xs = [1, 2
    return xs
