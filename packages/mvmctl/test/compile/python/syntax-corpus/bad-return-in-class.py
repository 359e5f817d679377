import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    class C:
        return e
    return C
