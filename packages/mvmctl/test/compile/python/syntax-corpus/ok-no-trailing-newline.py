import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    return e