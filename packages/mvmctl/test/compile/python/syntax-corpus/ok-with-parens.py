import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(a, b):
    with (open(a) as f,
          open(b) as g):
        return f.read() + g.read()
