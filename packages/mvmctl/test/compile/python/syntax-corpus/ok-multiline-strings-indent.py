import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(e):
    s = """
not indentation
        at all
  """
    t = (1,
  2)
    return s, t
