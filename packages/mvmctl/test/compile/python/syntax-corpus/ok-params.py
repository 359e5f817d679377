import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(a, /, b=2, *args, c, d=4, **kw):
    return a, b, args, c, d, kw
