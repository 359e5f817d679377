import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e, key=lambda x, *a, k=2, **kw: (x, a, k, kw)):
    f = lambda: 0
    g = lambda *, y=1: y
    return key(e), f(), g()
