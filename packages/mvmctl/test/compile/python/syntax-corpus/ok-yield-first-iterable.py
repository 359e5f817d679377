import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    r = [x for x in [(yield 1)]]
    yield r
