import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    r = None
    try:
        raise ExceptionGroup("g", [ValueError(e)])
    except* ValueError:
        r = 1
    except* (TypeError, KeyError) as eg:
        r = eg
    return r
