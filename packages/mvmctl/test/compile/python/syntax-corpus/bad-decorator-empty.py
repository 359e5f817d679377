import mvm


@
def handler(e):
    return e
