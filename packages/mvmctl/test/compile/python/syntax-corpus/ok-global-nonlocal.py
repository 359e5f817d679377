import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    global G
    G = e
    def inner():
        nonlocal e
        e = 1
    inner()
    return e
