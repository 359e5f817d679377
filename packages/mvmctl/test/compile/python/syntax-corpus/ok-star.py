import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(c, *more):
    a, *b = c
    print(*b, sep="")
    return *a, *more
