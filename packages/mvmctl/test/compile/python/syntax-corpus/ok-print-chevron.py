import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    import sys
    print >> sys.stderr, "not a print statement in Python 3"
