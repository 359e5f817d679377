import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(xs):
    s = {x for x in xs}
    d = {x: y for x, y in zip(xs, xs) if x if y}
    g = sum(x for x in xs)
    return s, d, g, (1 if xs else 2), 1 < len(xs) <= 3
