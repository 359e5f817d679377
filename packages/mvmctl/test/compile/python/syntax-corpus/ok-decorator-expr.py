import mvm

hooks = [lambda f: f]


@hooks[0]
@mvm.app(name="syn", image=mvm.python_image())
# a comment between decorator and def
def handler(e):
    return e
