import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    match = 1
    case = 2
    type = 3
    _ = match + case + type
    return match
