import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    f = lambda x=1, y: x
    return f
