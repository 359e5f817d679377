import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(a=1, b):
    return a
