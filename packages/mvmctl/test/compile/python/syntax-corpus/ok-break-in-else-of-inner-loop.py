import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(xs):
    for x in xs:
        for y in xs:
            pass
        else:
            break
    return xs
