import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    if e and \
            e > 1:
        pass
    return e
